; Two stacks into one tower, for domains/blocks.
(define (problem blocks-4)
  (:domain blocks)
  (:objects red green blue yellow - block)
  (:init (ontable red) (on green red) (clear green)
         (ontable blue) (on yellow blue) (clear yellow)
         (handempty))
  (:goal (and (on red green) (on green blue) (on blue yellow))))
