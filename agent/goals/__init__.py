"""Where an episode's goal comes from: the rule-based reader of instructions (``oracle``); the learned reader
lives in ``agent.perception``."""
