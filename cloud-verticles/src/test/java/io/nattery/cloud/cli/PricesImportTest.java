package io.nattery.cloud.cli;

import io.nattery.protocol.Decoded;
import io.nattery.protocol.MessageType;
import io.nattery.protocol.MessageValidator;
import io.nattery.protocol.PriceCurve;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code nattery prices import} as PROTOCOL.md says: JSON lines on stdout, 3 for no data, 2 for malformed. */
class PricesImportTest {

  @TempDir
  Path dir;

  /** What one run of the CLI printed and returned. */
  record Run(int exit, String out, String err) {
    List<String> lines() {
      return out.isEmpty() ? List.of() : out.lines().toList();
    }
  }

  static Run nattery(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = new CommandLine(new NatteryCli()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
      .execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void aDocumentOfTwoDaysPrintsOneContractValidPriceCurvePerDay() throws Exception {
    Run run = nattery("prices", "import", fixture("fr-2026-06-15-mixed-resolutions-v7_3.xml").toString());

    assertEquals(0, run.exit(), run.err());
    assertEquals(2, run.lines().size());
    MessageValidator contract = new MessageValidator();
    for (String line : run.lines()) {
      Decoded<PriceCurve> decoded = contract.decode(MessageType.PRICE_CURVE, new JsonObject(line));
      assertTrue(decoded.isAccepted(), String.valueOf(decoded.rejection()));
      assertEquals("FR", decoded.value().zone());
    }
    JsonObject first = new JsonObject(run.lines().get(0));
    assertEquals("2026-06-15", first.getString("delivery_day"));
    assertEquals("PT15M", first.getString("resolution"));
    assertEquals(96, first.getJsonArray("points").size());
    assertEquals("2026-06-14T22:00:00Z", first.getJsonArray("points").getJsonObject(0).getString("start"));
    assertEquals("PT60M", new JsonObject(run.lines().get(1)).getString("resolution"));
  }

  @Test
  void theZoneOptionNamesTheCurves() throws Exception {
    Run run = nattery("prices", "import", "--zone", "DE_LU", fixture("de_lu-2026-03-29-dst-92-pt15m-a03-v7_3.xml")
      .toString());

    assertEquals(0, run.exit(), run.err());
    assertEquals("DE_LU", new JsonObject(run.lines().get(0)).getString("zone"));
    assertEquals(92, new JsonObject(run.lines().get(0)).getJsonArray("points").size());
  }

  @Test
  void theNoDataAcknowledgementExits3WithTheReasonOnStderr() throws Exception {
    Run run = nattery("prices", "import", fixture("acknowledgement-no-data.xml").toString());

    assertEquals(3, run.exit());
    assertEquals("", run.out());
    assertTrue(run.err().contains("No matching data found"), run.err());
  }

  @Test
  void aDocumentWithoutACompleteDayExits3AndAnIncompleteDayIsNamed() throws Exception {
    String partial = Files.readString(fixture("be-2024-12-01-two-days-one-incomplete-v7_0.xml"));
    // keep only the second, incomplete day's TimeSeries
    int first = partial.indexOf("<TimeSeries>");
    int second = partial.indexOf("<TimeSeries>", first + 1);
    Path onlyIncomplete = dir.resolve("incomplete.xml");
    Files.writeString(onlyIncomplete, partial.substring(0, first) + partial.substring(second));

    Run incomplete = nattery("prices", "import", onlyIncomplete.toString());
    Run mixed = nattery("prices", "import", fixture("be-2024-12-01-two-days-one-incomplete-v7_0.xml").toString());

    assertEquals(3, incomplete.exit());
    assertTrue(incomplete.err().contains("no complete delivery day in the document (incomplete: 2024-12-02)"),
      incomplete.err());
    assertEquals(0, mixed.exit());
    assertEquals(1, mixed.lines().size());
    assertTrue(mixed.err().contains("skipped incomplete day 2024-12-02: 12 of 24 MTUs of PT60M"), mixed.err());
  }

  @Test
  void malformedDocumentsExit2NamingTheFault() throws Exception {
    byte[] whole = Files.readAllBytes(fixture("nl-2024-10-11-pt60m-a01-v7_0.xml"));
    Path truncated = dir.resolve("truncated.xml");
    Files.write(truncated, Arrays.copyOf(whole, whole.length - 200));

    Run cut = nattery("prices", "import", truncated.toString());
    Run currency = nattery("prices", "import", fixture("broken-currency.xml").toString());
    Run resolution = nattery("prices", "import", fixture("broken-unknown-resolution.xml").toString());

    assertEquals(2, cut.exit());
    assertTrue(cut.err().contains("not well-formed XML"), cut.err());
    assertEquals(2, currency.exit());
    assertTrue(currency.err().contains("currency_Unit.name is 'PLN', expected EUR"), currency.err());
    assertEquals(2, resolution.exit());
    assertEquals("", cut.out() + currency.out() + resolution.out());
  }

  @Test
  void aMissingFileOrBadZoneIsAUsageError() {
    assertEquals(2, nattery("prices", "import", dir.resolve("absent.xml").toString()).exit());
    assertEquals(2, nattery("prices", "import", "--zone", "DE/LU", "x.xml").exit());
    assertEquals(2, nattery("prices").exit());
  }

  private Path fixture(String name) throws IOException {
    Path file = dir.resolve(name);
    try (InputStream in = getClass().getResourceAsStream("/entsoe/" + name)) {
      Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return file;
  }
}
