; Sorting cubes into bins. Cubes are never stacked, so there is no clear predicate. A cube knocked out of
; a bin onto the table is `ontable` again; one tilted, lying on another cube or off the table is `loose`,
; and `right` puts it down upright on the table; `retrieve` takes one out of a (wrong) bin.
(define (domain sort)
  (:requirements :strips :typing)
  (:types cube bin)
  (:predicates
    (in ?o - cube ?b - bin)
    (ontable ?o - cube)
    (holding ?o - cube)
    (handempty)
    (loose ?o - cube))

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
    :effect (and (ontable ?o) (handempty) (not (holding ?o))))

  (:action right
    :parameters (?o - cube)
    :precondition (and (loose ?o) (handempty))
    :effect (and (ontable ?o) (not (loose ?o))))

  ; a cube knocked into the wrong bin is taken out again
  (:action retrieve
    :parameters (?o - cube ?b - bin)
    :precondition (and (in ?o ?b) (handempty))
    :effect (and (holding ?o) (not (in ?o ?b)) (not (handempty)))))
