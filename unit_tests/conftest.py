"""Settings every property test shares."""

from hypothesis import settings

# The suite runs in several processes on machines shared with connector subprocesses, where one
# example can take a hundred times longer than the next: a per-example deadline fails tests on load,
# not on behaviour. Speed is measured by the benchmarks instead.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")
