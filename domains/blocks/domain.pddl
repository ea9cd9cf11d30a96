; Classic blocksworld plus `right`, for a block knocked over (`fallen`: tilted, leaning, off its support).
; A held or fallen block is not clear and is neither on the table nor on another block.
(define (domain blocks)
  (:requirements :strips :typing)
  (:types block)
  (:predicates
    (on ?x - block ?y - block)
    (ontable ?x - block)
    (clear ?x - block)
    (holding ?x - block)
    (handempty)
    (fallen ?x - block)
    (leaning ?x - block ?y - block))

  (:action pickup
    :parameters (?x - block)
    :precondition (and (clear ?x) (ontable ?x) (handempty))
    :effect (and (holding ?x)
                 (not (ontable ?x)) (not (clear ?x)) (not (handempty))))

  (:action putdown
    :parameters (?x - block)
    :precondition (holding ?x)
    :effect (and (ontable ?x) (clear ?x) (handempty) (not (holding ?x))))

  (:action stack
    :parameters (?x - block ?y - block)
    :precondition (and (holding ?x) (clear ?y))
    :effect (and (on ?x ?y) (clear ?x) (handempty)
                 (not (holding ?x)) (not (clear ?y))))

  (:action unstack
    :parameters (?x - block ?y - block)
    :precondition (and (on ?x ?y) (clear ?x) (handempty))
    :effect (and (holding ?x) (clear ?y)
                 (not (on ?x ?y)) (not (clear ?x)) (not (handempty))))

  (:action right
    :parameters (?x - block)
    :precondition (and (fallen ?x) (handempty))
    :effect (and (ontable ?x) (clear ?x) (not (fallen ?x))))

  ; righting a block that leans on another also frees that one
  (:action right-from
    :parameters (?x - block ?y - block)
    :precondition (and (fallen ?x) (leaning ?x ?y) (handempty))
    :effect (and (ontable ?x) (clear ?x) (clear ?y) (not (fallen ?x)) (not (leaning ?x ?y)))))
