; The Hanoi domain of domains/hanoi as written by an author who did not know the Hanoi rule: `smaller`
; is declared and detected, but `place` does not use it. In the `weighted` hanoi world
; (envs/scenes/hanoi.py) a large disc really topples off a small one; `nesy align` learns the rule.
(define (domain hanoi-unruled)
  (:requirements :strips :typing)
  (:types
    location - object    ; anything a disc can rest on
    disc peg - location)
  (:predicates
    (on ?d - disc ?x - location)
    (clear ?x - location)
    (smaller ?x - location ?y - location)   ; static, from sizes: x is narrower than y (every disc than every peg)
    (holding ?d - disc)
    (handempty))

  (:action pick
    :parameters (?d - disc ?x - location)
    :precondition (and (on ?d ?x) (clear ?d) (handempty))
    :effect (and (holding ?d) (clear ?x)
                 (not (on ?d ?x)) (not (clear ?d)) (not (handempty))))

  (:action place
    :parameters (?d - disc ?x - location)
    :precondition (and (holding ?d) (clear ?x))
    :effect (and (on ?d ?x) (clear ?d) (handempty)
                 (not (holding ?d)) (not (clear ?x)))))
