; Towers of Hanoi for a one-armed robot: moving a disc is a pick then a place, so the
; monitor can check the arm after each half. A held disc is not clear and sits on nothing.
(define (domain hanoi)
  (:requirements :strips :typing)
  (:types
    location - object    ; anything a disc can rest on
    disc peg - location)
  (:predicates
    (on ?d - disc ?x - location)
    (clear ?x - location)
    (smaller ?d - disc ?x - location)   ; static: detected from sizes, every disc is smaller than every peg
    (holding ?d - disc)
    (handempty))

  (:action pick
    :parameters (?d - disc ?x - location)
    :precondition (and (on ?d ?x) (clear ?d) (handempty))
    :effect (and (holding ?d) (clear ?x)
                 (not (on ?d ?x)) (not (clear ?d)) (not (handempty))))

  (:action place
    :parameters (?d - disc ?x - location)
    :precondition (and (holding ?d) (clear ?x) (smaller ?d ?x))
    :effect (and (on ?d ?x) (clear ?d) (handempty)
                 (not (holding ?d)) (not (clear ?x)))))
