(define (problem courier-2)
  (:domain courier)
  (:objects north south - location
            letter box - parcel)
  (:init (courier-at north)
         (road north depot) (road depot north) (road depot south) (road south depot)
         (waiting letter) (waiting box)
         (destination letter south) (destination box north))
  (:goal (and (delivered letter) (delivered box))))
