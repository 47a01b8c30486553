package io.nattery.cloud.prices;

import io.nattery.cloud.cli.NatteryCli;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code nattery prices fetch --zone Z --day D --conf FILE} against a local server that answers like ENTSO-E. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PricesFetchCommandTest {

  private static final String TOKEN = "cli-" + UUID.randomUUID();
  private static Vertx vertx;
  private static EntsoeLikeServer server;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    server = EntsoeClientTest.await(new EntsoeLikeServer(vertx, TOKEN).start());
  }

  @AfterAll
  static void stop() throws Exception {
    EntsoeClientTest.await(server.stop());
    EntsoeClientTest.await(vertx.close());
  }

  @Test
  void printsTheDaysCurveAsOneJsonLine() throws Exception {
    String[] run = nattery("prices", "fetch", "--zone", "AT", "--day", "2026-10-25", "--conf", conf(TOKEN));

    assertEquals("0", run[0], run[2]);
    JsonObject curve = new JsonObject(run[1].strip());
    assertEquals("AT", curve.getString("zone"));
    assertEquals("2026-10-25", curve.getString("delivery_day"));
    assertEquals(100, curve.getJsonArray("points").size());
    assertEquals(EntsoeLikeServer.price(LocalDate.parse("2026-10-25"), 100),
      curve.getJsonArray("points").getJsonObject(99).getDouble("price"));
  }

  @Test
  void notPublishedExits3() throws Exception {
    server.then(EntsoeLikeServer.Answer.notPublished());

    String[] run = nattery("prices", "fetch", "--zone", "AT", "--day", "2026-10-26", "--conf", conf(TOKEN));

    assertEquals("3", run[0]);
    assertTrue(run[2].contains("not published"), run[2]);
  }

  @Test
  void aWrongTokenExits1WithoutShowingIt() throws Exception {
    String[] run = nattery("prices", "fetch", "--zone", "AT", "--day", "2026-10-26", "--conf", conf("wrong-token"));

    assertEquals("1", run[0]);
    assertTrue(run[2].contains("(unauthorized): HTTP 401"), run[2]);
    assertFalse(run[2].contains("wrong-token"), run[2]);
  }

  @Test
  void badUsageExits2() {
    assertEquals("2", nattery("prices", "fetch", "--zone", "XX", "--day", "2026-10-26")[0]);
    assertEquals("2", nattery("prices", "fetch", "--zone", "AT", "--day", "26.10.2026")[0]);
  }

  @Test
  void transientFailuresExit1() throws Exception {
    server.then(EntsoeLikeServer.Answer.status(503, Map.of("Retry-After", "30"), "busy"));

    String[] run = nattery("prices", "fetch", "--zone", "AT", "--day", "2026-10-26", "--conf", conf(TOKEN));

    assertEquals("1", run[0]);
    assertTrue(run[2].contains("(unavailable): HTTP 503"), run[2]);
  }

  private static String conf(String token) throws Exception {
    Path tokenFile = Files.writeString(dir.resolve("token-" + UUID.randomUUID()), token);
    Path conf = dir.resolve("cloud-" + UUID.randomUUID() + ".json");
    Files.writeString(conf, new JsonObject().put("prices", new JsonObject()
      .put("base_url", server.baseUrl()).put("token_file", tokenFile.toString())).encodePrettily());
    return conf.toString();
  }

  /** exit code, stdout, stderr. */
  private static String[] nattery(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = new CommandLine(new NatteryCli()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
      .execute(args);
    return new String[] {String.valueOf(exit), out.toString(), err.toString()};
  }
}
