"""A report kind for the pipeline tests only: it builds a small text file slowly, in steps,
reporting progress after each, so a test can watch a job run or stop its worker in the
middle.

Importing this module registers the kind. The test process imports it through the tests; a
real worker imports it when started with ``--include tests.reports.slow_builder`` (the
``celery_worker_process`` fixture's ``include``), so the portal's own code has no test kinds.
"""

import time

from reports.builders import Builder, register

KIND = "test_slow"


def build(subject, parameters, progress):
    """``steps`` steps of ``delay`` seconds each; the file names the parameters."""
    steps = int(parameters.get("steps", 10))
    delay = float(parameters.get("delay", 0.1))
    for step in range(steps):
        progress(100 * step // steps, f"step {step + 1} of {steps}")
        time.sleep(delay)
    content = f"slow report, {steps} steps, label {parameters.get('label', '')}\n"
    return content.encode(), "slow-report.txt"


register(
    Builder(
        KIND,
        title=lambda subject: "Slow test report",
        allowed=lambda user, subject, parameters: user.is_authenticated,
        build=build,
    )
)
