"""Fixtures that several test modules share: the shipped domains, loaded once per module that asks."""

import pytest

from agent.planning.domain import Domain, domain_folder, load_domain


@pytest.fixture(scope="module")
def hanoi() -> Domain:
    return load_domain(domain_folder("hanoi"))


@pytest.fixture(scope="module")
def blocks() -> Domain:
    return load_domain(domain_folder("blocks"))


@pytest.fixture(scope="module")
def sort() -> Domain:
    return load_domain(domain_folder("sort"))
