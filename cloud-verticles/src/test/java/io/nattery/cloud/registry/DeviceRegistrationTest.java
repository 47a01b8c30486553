package io.nattery.cloud.registry;

import io.nattery.cloud.api.Problems.FieldProblem;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class DeviceRegistrationTest {

  private static JsonObject valid() {
    return new JsonObject().put("device_id", "pi-0001").put("site", "Berlin Nord").put("model", "generic-hybrid")
      .put("rated_power_kw", 5).put("capacity_kwh", 10.2);
  }

  private static Set<String> fieldsIn(List<FieldProblem> errors) {
    return errors.stream().map(FieldProblem::field).collect(Collectors.toSet());
  }

  @Test
  void aValidRequestIsTheDevice() {
    DeviceRegistration.Parsed parsed = DeviceRegistration.parse(valid());

    assertEquals(List.of(), parsed.errors());
    assertEquals(new DeviceRegistration("pi-0001", "Berlin Nord", "generic-hybrid", 5.0, 10.2), parsed.registration());
    assertEquals(valid().put("rated_power_kw", 5.0), parsed.registration().toJson());
  }

  @Test
  void everyBadFieldIsNamed() {
    JsonObject body = new JsonObject().put("device_id", "pi 0001").put("site", " padded").put("model", "")
      .put("rated_power_kw", 0).put("capacity_kwh", "10");

    DeviceRegistration.Parsed parsed = DeviceRegistration.parse(body);

    assertNull(parsed.registration());
    assertEquals(Set.of("device_id", "site", "model", "rated_power_kw", "capacity_kwh"), fieldsIn(parsed.errors()));
  }

  @Test
  void missingFieldsAreNamed() {
    assertEquals(Set.of("device_id", "site", "model", "rated_power_kw", "capacity_kwh"),
      fieldsIn(DeviceRegistration.parse(new JsonObject()).errors()));
  }

  @Test
  void anUnknownFieldIsRefusedNotIgnored() {
    DeviceRegistration.Parsed parsed = DeviceRegistration.parse(valid().put("rated_power_w", 5000));

    assertEquals(Set.of("rated_power_w"), fieldsIn(parsed.errors()));
  }

  @Test
  void implausibleSizesAndControlCharactersAreRefused() {
    assertEquals(Set.of("rated_power_kw"), fieldsIn(DeviceRegistration.parse(valid().put("rated_power_kw", 1e9)).errors()));
    assertEquals(Set.of("capacity_kwh"), fieldsIn(DeviceRegistration.parse(valid().put("capacity_kwh", -1)).errors()));
    assertEquals(Set.of("site"), fieldsIn(DeviceRegistration.parse(valid().put("site", "a\nb")).errors()));
    assertEquals(Set.of("site"), fieldsIn(DeviceRegistration.parse(valid().put("site", "x".repeat(65))).errors()));
    assertEquals(Set.of("device_id"), fieldsIn(DeviceRegistration.parse(valid().put("device_id", 42)).errors()));
  }
}
