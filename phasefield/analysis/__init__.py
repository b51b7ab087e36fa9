"""Analysis of finished runs: boundary shapes (:mod:`.shape`) and Wulff shapes (:mod:`.wulff`)."""
