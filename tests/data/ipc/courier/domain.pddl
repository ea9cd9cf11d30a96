; A courier collects parcels at the depot (a constant of the domain) and delivers them along roads.
(define (domain courier)
  (:requirements :strips :typing)
  (:types location parcel)
  (:constants depot - location)
  (:predicates
    (courier-at ?l - location)
    (road ?from ?to - location)
    (waiting ?p - parcel)
    (carrying ?p - parcel)
    (destination ?p - parcel ?l - location)
    (delivered ?p - parcel))

  (:action drive
    :parameters (?from ?to - location)
    :precondition (and (courier-at ?from) (road ?from ?to))
    :effect (and (courier-at ?to) (not (courier-at ?from))))

  (:action collect
    :parameters (?p - parcel)
    :precondition (and (courier-at depot) (waiting ?p))
    :effect (and (carrying ?p) (not (waiting ?p))))

  (:action deliver
    :parameters (?p - parcel ?l - location)
    :precondition (and (courier-at ?l) (carrying ?p) (destination ?p ?l))
    :effect (and (delivered ?p) (not (carrying ?p)))))
