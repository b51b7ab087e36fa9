"""What leaves a run: the Dataset of one frame (:mod:`.frames`) and the run file (:mod:`.output`)."""
