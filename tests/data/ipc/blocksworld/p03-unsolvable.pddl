; A block cannot be on two blocks at once.
(define (problem bw-impossible)
  (:domain blocksworld-4ops)
  (:objects a b c)
  (:init (ontable a) (ontable b) (ontable c) (clear a) (clear b) (clear c) (handempty))
  (:goal (and (on a b) (on a c))))
