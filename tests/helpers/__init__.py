"""Code the tests share that is not a fixture: builders, records, constants
and the real command line. Import a module by its full name,
``from tests.helpers.X import ...`` (tests/test_layout.py checks it); the
fixture policy is in tests/conftest.py."""
