; One package from a post office in one city to a post office in another.
(define (problem logistics-2-cities)
  (:domain logistics-typed)
  (:objects
    plane - airplane
    truck1 truck2 - truck
    city1 city2 - city
    post1 post2 - location
    port1 port2 - airport
    parcel - package)
  (:init
    (in-city post1 city1) (in-city port1 city1)
    (in-city post2 city2) (in-city port2 city2)
    (at plane port1)
    (at truck1 post1) (at truck2 port2)
    (at parcel post1))
  (:goal (at parcel post2)))
