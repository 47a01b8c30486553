package io.nattery.cloud.auth;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The roles of PROTOCOL.md. A route names the least role it needs; a user's role grants itself and the roles
 * below it: admin everything, operator and trader each also viewer. Operators act on devices, traders (bots)
 * post schedules; neither does the other's job.
 */
public enum Role {
  VIEWER, TRADER, OPERATOR, ADMIN;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Role> fromWire(String value) {
    for (Role role : values()) {
      if (role.wire().equals(value)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }

  /** Every role this one may act as; carried in the token as the {@code roles} claim. */
  public Set<Role> grants() {
    return switch (this) {
      case ADMIN -> EnumSet.allOf(Role.class);
      case OPERATOR -> EnumSet.of(OPERATOR, VIEWER);
      case TRADER -> EnumSet.of(TRADER, VIEWER);
      case VIEWER -> EnumSet.of(VIEWER);
    };
  }

  public List<String> grantedWireNames() {
    return grants().stream().map(Role::wire).toList();
  }
}
