package io.nattery.cloud.registry;

import io.nattery.cloud.TestNode;
import io.nattery.cloud.auth.PasswordHasher;
import io.nattery.cloud.auth.Role;
import io.nattery.cloud.prices.LogCapture;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.nattery.cloud.TestNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /api/v1/devices} on a node against the real PostgreSQL and Mosquitto. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DeviceProvisioningIT {

  private static TestNode node;
  private static String admin;
  private static String viewer;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.create(config -> { }).deploy();
    admin = node.token(Role.ADMIN);
    viewer = node.token(Role.VIEWER);
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  private static JsonObject device(String id) {
    return new JsonObject().put("device_id", id).put("site", "site-" + node.run).put("model", "generic-hybrid")
      .put("rated_power_kw", 5.0).put("capacity_kwh", 10.0);
  }

  private static HttpResponse<Buffer> post(String token, Object body) throws Exception {
    var request = node.http.post("/api/v1/devices").bearerTokenAuthentication(token);
    return await(body instanceof JsonObject json ? request.sendJsonObject(json) : request.sendBuffer(Buffer.buffer(
      String.valueOf(body))));
  }

  @Test
  void anAdminProvisionsADeviceAndGetsItsPasswordOnceStoredOnlyAsAHash() throws Exception {
    String id = "it-prov-" + node.run;
    try (LogCapture logs = new LogCapture()) {
      HttpResponse<Buffer> created = post(admin, device(id));

      assertEquals(201, created.statusCode(), created.bodyAsString());
      JsonObject body = created.bodyAsJsonObject();
      for (String field : device(id).fieldNames()) {
        assertEquals(device(id).getValue(field), body.getValue(field), field);
      }
      assertTrue(body.containsKey("created_at"));
      assertEquals("/api/v1/devices/" + id, created.getHeader("Location"));
      assertEquals("no-store", created.getHeader("Cache-Control"));
      JsonObject mqtt = body.getJsonObject("mqtt");
      String password = mqtt.getString("password");
      assertEquals(id, mqtt.getString("username"));
      assertEquals(43, password.length(), "256 random bits, base64url");
      assertTrue(mqtt.getString("mosquitto_password_line").startsWith(id + ":$7$101$"));

      Row row = await(node.pool.preparedQuery("SELECT * FROM devices WHERE device_id = $1").execute(Tuple.of(id)))
        .iterator().next();
      assertEquals("site-" + node.run, row.getString("site"));
      assertEquals(5.0, row.getDouble("rated_power_kw"));
      String hash = row.getString("mqtt_password_hash");
      assertTrue(hash.startsWith("$argon2id$"), hash);
      assertFalse(hash.contains(password));
      assertTrue(new PasswordHasher().verify(password, hash));
      // the broker's hash is kept too, so that its password file can be written again from the registry
      assertEquals(mqtt.getString("mosquitto_password_line"), id + ":" + row.getString("broker_password_hash"));

      HttpResponse<Buffer> again = post(admin, device(id).put("site", "elsewhere"));
      assertEquals(409, again.statusCode());
      assertEquals("application/problem+json", again.getHeader("Content-Type"));
      assertFalse(again.bodyAsString().contains(password));
      assertEquals(hash, await(node.pool.preparedQuery("SELECT mqtt_password_hash FROM devices WHERE device_id = $1")
        .execute(Tuple.of(id))).iterator().next().getString(0), "the existing login is untouched");

      List<String> lines = logs.lines();
      assertTrue(lines.stream().noneMatch(line -> line.contains(password)), "the password reached a log");
      assertTrue(lines.stream().anyMatch(line -> line.contains("device.provision created") && line.contains(id)
        && line.contains("by: admin") && line.contains("from: 127.0.0.1")), "no audit line: " + lines);
      assertTrue(lines.stream().anyMatch(line -> line.contains("device.provision conflict") && line.contains(id)));
      // and both in the audit log, without the password
      List<String> audited = new java.util.ArrayList<>();
      await(node.waitFor(() -> node.pool.preparedQuery("SELECT outcome, actor, remote_addr, detail::text AS detail "
          + "FROM audit_log WHERE action = 'device.provision' AND target = $1 ORDER BY id").execute(Tuple.of(id)),
        rows -> rows.size() == 2)).forEach(entry -> {
          audited.add(entry.getString("outcome") + " " + entry.getString("actor") + " " + entry.getString("remote_addr"));
          assertFalse(entry.getString("detail").contains(password));
        });
      assertEquals(List.of("created admin 127.0.0.1", "conflict admin 127.0.0.1"), audited);
    }
  }

  @Test
  void aViewerMayNotProvisionNorMayAnyoneWithoutAToken() throws Exception {
    String id = "it-viewer-" + node.run;

    assertEquals(403, post(viewer, device(id)).statusCode());
    assertEquals(401, await(node.http.post("/api/v1/devices").sendJsonObject(device(id))).statusCode());
    assertEquals(0, await(node.pool.preparedQuery("SELECT 1 FROM devices WHERE device_id = $1")
      .execute(Tuple.of(id))).size());
  }

  @Test
  void aNodeWithoutHistoryAnswersTheReadBack503() throws Exception {
    String id = "it-nohistory-" + node.run;
    assertEquals(201, post(admin, device(id)).statusCode());

    HttpResponse<Buffer> answer = await(node.http.get("/api/v1/devices/" + id + "/telemetry")
      .addQueryParam("from", "2026-01-01T00:00:00Z").addQueryParam("to", "2026-01-01T01:00:00Z")
      .bearerTokenAuthentication(viewer).send());

    assertEquals(503, answer.statusCode());
    assertEquals("this node keeps no telemetry history", answer.bodyAsJsonObject().getString("detail"));
  }

  @Test
  void badFieldsAreEachNamedAndNothingIsStored() throws Exception {
    String id = "it-bad-" + node.run;
    JsonObject bad = device(id).put("site", "").put("rated_power_kw", -5).put("capacity_kwh", "ten")
      .put("colour", "red");

    HttpResponse<Buffer> refused = post(admin, bad);

    assertEquals(400, refused.statusCode());
    Set<String> fields = refused.bodyAsJsonObject().getJsonArray("errors").stream()
      .map(e -> ((JsonObject) e).getString("field")).collect(Collectors.toSet());
    assertEquals(Set.of("site", "rated_power_kw", "capacity_kwh", "colour"), fields);
    assertEquals(400, post(admin, device("not a valid id")).statusCode());
    assertEquals(400, post(admin, "[1,2]").statusCode());
    assertEquals(400, post(admin, "{not json").statusCode());
    assertEquals(0, await(node.pool.preparedQuery("SELECT 1 FROM devices WHERE device_id = $1")
      .execute(Tuple.of(id))).size());
  }
}
