; Reverse a tower of three.
(define (problem bw-reverse-3)
  (:domain blocksworld-4ops)
  (:objects a b c)
  (:init (ontable a) (on b a) (on c b) (clear c) (handempty))
  (:goal (and (on a b) (on b c))))
