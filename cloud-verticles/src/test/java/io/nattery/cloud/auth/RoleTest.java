package io.nattery.cloud.auth;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoleTest {

  @Test
  void eachRoleGrantsItselfAndViewerAndAdminGrantsAll() {
    assertEquals(EnumSet.allOf(Role.class), Role.ADMIN.grants());
    assertEquals(EnumSet.of(Role.OPERATOR, Role.VIEWER), Role.OPERATOR.grants());
    assertEquals(EnumSet.of(Role.TRADER, Role.VIEWER), Role.TRADER.grants());
    assertEquals(EnumSet.of(Role.VIEWER), Role.VIEWER.grants());
  }

  @Test
  void wireNamesRoundTripAndUnknownOnesAreEmpty() {
    for (Role role : Role.values()) {
      assertEquals(role, Role.fromWire(role.wire()).orElseThrow());
    }
    assertTrue(Role.fromWire("root").isEmpty());
    assertTrue(Role.fromWire("ADMIN").isEmpty());
  }
}
