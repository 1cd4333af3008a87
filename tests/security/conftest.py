from tests.exams.conftest import exam_world  # noqa: F401  (the exam world fixture, shared)
