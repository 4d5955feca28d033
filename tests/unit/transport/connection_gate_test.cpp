// The connection gate hands out at most its limit of tickets and takes each back exactly once.
#include <catch2/catch.hpp>
#include <optional>
#include <vector>

#include "transport/connection_gate.hpp"

using namespace scenehost::transport;

TEST_CASE("the gate admits up to its limit and again after a ticket is given back") {
    ConnectionGate gate(2);
    std::optional<ConnectionTicket> a = gate.admit(), b = gate.admit();
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(gate.open() == 2);
    CHECK_FALSE(gate.admit().has_value());
    a.reset();
    CHECK(gate.open() == 1);
    std::optional<ConnectionTicket> c = gate.admit();
    CHECK(c.has_value());
    CHECK(gate.open() == 2);
}

TEST_CASE("a moved ticket is counted once") {
    ConnectionGate gate(1);
    std::optional<ConnectionTicket> a = gate.admit();
    REQUIRE(a.has_value());
    ConnectionTicket moved = std::move(*a);
    a.reset();
    CHECK(gate.open() == 1);
    {
        ConnectionTicket gone = std::move(moved);
    }
    CHECK(gate.open() == 0);
}
