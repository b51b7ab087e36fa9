"""Analysis of finished runs: boundary shapes (:mod:`.shape`), Wulff shapes (:mod:`.wulff`), JMAK kinetics (:mod:`.jmak`) and grain counts and sizes (:mod:`.grains`)."""
