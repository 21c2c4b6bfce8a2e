def pytest_terminal_summary(terminalreporter):
    from tests.fuzz.test_api_fuzz import EXAMPLES, REQUESTS

    if REQUESTS:
        by_status = ", ".join(f"{code}: {n}" for code, n in sorted(REQUESTS.items()))
        terminalreporter.write_line(
            f"schemathesis: {sum(REQUESTS.values())} requests ({EXAMPLES} examples per operation and user); "
            f"answers by status: {by_status}"
        )
