"""The main job's driver: the pipeline of stages, worker processes and how lines are shared among them."""
