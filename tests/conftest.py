import os

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(scope="module", autouse=True)
def stop_training_helpers_after_each_module():
    """``parallel.train_many`` keeps helper processes for 300 s; a test module that trained
    through it should not leave them running into the next one (or past the session)."""
    yield
    from gradviz import parallel

    parallel.stop_helpers()
