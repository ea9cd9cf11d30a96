"""Running many episodes: the run configuration, the run directory, serial/process/Ray backends, reports and
videos."""
