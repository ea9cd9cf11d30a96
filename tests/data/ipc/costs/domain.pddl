; Travel with action costs: the direct flight is dearer than two train legs.
(define (domain travel-costs)
  (:requirements :strips :typing :action-costs)
  (:types city)
  (:predicates (at ?c - city) (rail ?a ?b - city) (air ?a ?b - city))
  (:functions (total-cost) - number)

  (:action train
    :parameters (?from ?to - city)
    :precondition (and (at ?from) (rail ?from ?to))
    :effect (and (at ?to) (not (at ?from)) (increase (total-cost) 2)))

  (:action fly
    :parameters (?from ?to - city)
    :precondition (and (at ?from) (air ?from ?to))
    :effect (and (at ?to) (not (at ?from)) (increase (total-cost) 5))))
