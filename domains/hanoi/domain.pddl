; Towers of Hanoi for a one-armed robot: moving a disc is a pick then a place, so the
; monitor can check the arm after each half. A held disc is not clear and sits on nothing.
; A disc knocked off the pegs (on no peg and no disc: beside them, tilted, leaning) is `loose`; the
; `fetch` operators take it into the hand, from where `place` puts it back on a peg.
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
    (handempty)
    (loose ?d - disc)                   ; on no peg and no disc
    (fallen ?d - disc)                  ; loose and not flat on the table: tilted, or lying on a tilted disc
    (leaning ?d - disc ?x - disc))      ; loose, tilted ?d leans on ?x, which is then not clear

  (:action pick
    :parameters (?d - disc ?x - location)
    :precondition (and (on ?d ?x) (clear ?d) (handempty))
    :effect (and (holding ?d) (clear ?x)
                 (not (on ?d ?x)) (not (clear ?d)) (not (handempty))))

  (:action place
    :parameters (?d - disc ?x - location)
    :precondition (and (holding ?d) (clear ?x) (smaller ?d ?x))
    :effect (and (on ?d ?x) (clear ?d) (handempty)
                 (not (holding ?d)) (not (clear ?x))))

  ; a loose disc flat on the table with nothing on it
  (:action fetch
    :parameters (?d - disc)
    :precondition (and (loose ?d) (clear ?d) (handempty))
    :effect (and (holding ?d)
                 (not (loose ?d)) (not (clear ?d)) (not (handempty))))

  ; a tilted one (or one lying on a tilted one): nothing rests on it
  (:action fetch-fallen
    :parameters (?d - disc)
    :precondition (and (loose ?d) (fallen ?d) (handempty))
    :effect (and (holding ?d)
                 (not (loose ?d)) (not (fallen ?d)) (not (handempty))))

  ; taking a disc that leans on another also frees that one
  (:action fetch-from
    :parameters (?d - disc ?x - disc)
    :precondition (and (loose ?d) (fallen ?d) (leaning ?d ?x) (handempty))
    :effect (and (holding ?d) (clear ?x)
                 (not (loose ?d)) (not (fallen ?d)) (not (leaning ?d ?x)) (not (handempty)))))
