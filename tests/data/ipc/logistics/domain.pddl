; Logistics, typed: trucks move packages within a city, airplanes between airports.
(define (domain logistics-typed)
  (:requirements :strips :typing)
  (:types truck airplane - vehicle
          package vehicle - physobj
          airport location - place
          city place physobj - object)
  (:predicates
    (in-city ?p - place ?c - city)
    (at ?o - physobj ?p - place)
    (in ?pkg - package ?v - vehicle))

  (:action load-truck
    :parameters (?pkg - package ?t - truck ?p - place)
    :precondition (and (at ?t ?p) (at ?pkg ?p))
    :effect (and (in ?pkg ?t) (not (at ?pkg ?p))))

  (:action load-airplane
    :parameters (?pkg - package ?a - airplane ?p - place)
    :precondition (and (at ?pkg ?p) (at ?a ?p))
    :effect (and (in ?pkg ?a) (not (at ?pkg ?p))))

  (:action unload-truck
    :parameters (?pkg - package ?t - truck ?p - place)
    :precondition (and (at ?t ?p) (in ?pkg ?t))
    :effect (and (at ?pkg ?p) (not (in ?pkg ?t))))

  (:action unload-airplane
    :parameters (?pkg - package ?a - airplane ?p - place)
    :precondition (and (in ?pkg ?a) (at ?a ?p))
    :effect (and (at ?pkg ?p) (not (in ?pkg ?a))))

  (:action drive-truck
    :parameters (?t - truck ?from ?to - place ?c - city)
    :precondition (and (at ?t ?from) (in-city ?from ?c) (in-city ?to ?c))
    :effect (and (at ?t ?to) (not (at ?t ?from))))

  (:action fly-airplane
    :parameters (?a - airplane ?from ?to - airport)
    :precondition (at ?a ?from)
    :effect (and (at ?a ?to) (not (at ?a ?from)))))
