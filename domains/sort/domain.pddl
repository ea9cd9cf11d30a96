; Sorting cubes into bins. Cubes are never stacked, so there is no clear predicate, and
; nothing takes a cube out of a bin: a wrong drop makes the goal unreachable.
(define (domain sort)
  (:requirements :strips :typing)
  (:types cube bin)
  (:predicates
    (in ?o - cube ?b - bin)
    (ontable ?o - cube)
    (holding ?o - cube)
    (handempty))

  (:action pick
    :parameters (?o - cube)
    :precondition (and (ontable ?o) (handempty))
    :effect (and (holding ?o) (not (ontable ?o)) (not (handempty))))

  (:action drop
    :parameters (?o - cube ?b - bin)
    :precondition (holding ?o)
    :effect (and (in ?o ?b) (handempty) (not (holding ?o))))

  (:action putdown
    :parameters (?o - cube)
    :precondition (holding ?o)
    :effect (and (ontable ?o) (handempty) (not (holding ?o)))))
