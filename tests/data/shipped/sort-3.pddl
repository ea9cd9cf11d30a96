; Three cubes into the bins of their colours, for domains/sort.
(define (problem sort-3)
  (:domain sort)
  (:objects red1 blue1 blue2 - cube red_bin blue_bin - bin)
  (:init (ontable red1) (ontable blue1) (ontable blue2) (handempty))
  (:goal (and (in red1 red_bin) (in blue1 blue_bin) (in blue2 blue_bin))))
