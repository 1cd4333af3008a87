from app.archive.tasks import verify_all


def test_verify_all_task_round_trip(factory):
    """Runs in-process on the embedded default and through Redis + a real worker when a broker is set."""
    enterprise = factory.enterprise()
    factory.employ(enterprise, name="李雷")
    factory.commit()
    result = verify_all.delay().get(timeout=60)
    assert result == {"checked": 2, "broken": []}
