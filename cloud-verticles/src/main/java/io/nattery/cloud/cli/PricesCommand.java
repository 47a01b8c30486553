package io.nattery.cloud.cli;

import io.nattery.cloud.prices.BiddingZones;
import io.nattery.cloud.prices.EntsoeClient;
import io.nattery.cloud.prices.EntsoeDocument;
import io.nattery.cloud.prices.EntsoeDocumentParser;
import io.nattery.cloud.prices.FetchOutcome;
import io.nattery.cloud.prices.MalformedDocumentException;
import io.nattery.protocol.Contract;
import io.nattery.protocol.PriceCurve;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code prices import FILE.xml [--zone Z]} and {@code prices fetch --zone Z --day D [--conf FILE]}: one PriceCurve
 * JSON line per complete delivery day (Europe/Brussels) on stdout. Exit 3 when the document holds no prices (the
 * no-data acknowledgement, or no complete day), 2 when it is malformed or the usage is wrong, 1 when ENTSO-E could
 * not be asked.
 */
@Command(name = "prices", description = "Import or fetch ENTSO-E day-ahead prices.",
  subcommands = {PricesCommand.Import.class, PricesCommand.Fetch.class})
final class PricesCommand implements Runnable {

  static final int NO_DATA = 3;
  static final int MALFORMED = 2;

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: import or fetch");
  }

  @Command(name = "import", description = "Print the day-ahead prices of an ENTSO-E XML document as PriceCurve "
    + "JSON lines, one per complete delivery day (Europe/Brussels).")
  static final class Import implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE.xml",
      description = "a Publication_MarketDocument (A44) or an acknowledgement")
    Path file;

    @Option(names = "--zone", description = "the zone to name the curves by (default: from the document's domain EIC)")
    String zone;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      if (zone != null && !Contract.isValidZone(zone)) {
        err.println("nattery: --zone must match " + Contract.ZONE.pattern());
        return MALFORMED;
      }
      byte[] xml;
      try {
        if (Files.size(file) > EntsoeDocumentParser.DEFAULT_MAX_BYTES) {
          err.println("nattery: " + file + " is larger than " + EntsoeDocumentParser.DEFAULT_MAX_BYTES + " bytes");
          return MALFORMED;
        }
        xml = Files.readAllBytes(file);
      } catch (IOException e) {
        err.println("nattery: cannot read " + file + ": " + e.getMessage());
        return MALFORMED;
      }
      try {
        EntsoeDocument document = new EntsoeDocumentParser().parse(xml, zone, Clock.systemUTC().instant());
        return print(document, null, spec.commandLine().getOut(), err);
      } catch (MalformedDocumentException e) {
        err.println("nattery: malformed ENTSO-E document " + file + ": " + e.getMessage());
        return MALFORMED;
      }
    }
  }

  @Command(name = "fetch", description = "Ask ENTSO-E for a zone's day-ahead prices of one delivery day and print "
    + "them like import.")
  static final class Fetch implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--zone", required = true, description = "a bidding zone, e.g. DE_LU, NL, SE_3")
    String zone;

    @Option(names = "--day", required = true, description = "the delivery day, yyyy-MM-dd (Europe/Brussels)")
    String day;

    @Option(names = "--conf", description = "a cloud configuration whose 'prices' block gives base_url and "
      + "token_env or token_file (default: the token from ENTSOE_TOKEN)")
    Path conf;

    @Override
    public Integer call() throws Exception {
      PrintWriter err = spec.commandLine().getErr();
      LocalDate deliveryDay;
      try {
        deliveryDay = LocalDate.parse(day);
      } catch (DateTimeParseException e) {
        err.println("nattery: --day must be a date, yyyy-MM-dd");
        return MALFORMED;
      }
      if (BiddingZones.eic(zone).isEmpty()) {
        err.println("nattery: unknown zone " + zone + "; known: "
          + String.join(" ", BiddingZones.zones()));
        return MALFORMED;
      }
      JsonObject prices;
      try {
        prices = conf == null ? new JsonObject().put("token_env", "ENTSOE_TOKEN")
          : ConfigFile.read(conf).getJsonObject("prices", new JsonObject());
      } catch (IllegalArgumentException e) {
        err.println("nattery: " + e.getMessage());
        return MALFORMED;
      }
      Vertx vertx = Vertx.vertx();
      EntsoeClient client = new EntsoeClient(vertx, prices, Clock.systemUTC());
      try {
        long waitS = 10 + (long) (prices.getDouble("request_timeout_s", 120.0)
          + prices.getDouble("connect_timeout_s", 20.0));
        FetchOutcome outcome = client.dayAhead(zone, deliveryDay, deliveryDay)
          .toCompletionStage().toCompletableFuture().get(waitS, TimeUnit.SECONDS);
        if (outcome instanceof FetchOutcome.Published published) {
          return print(published.prices(), deliveryDay, spec.commandLine().getOut(), err);
        }
        if (outcome instanceof FetchOutcome.NotPublished notPublished) {
          err.println("nattery: not published: " + notPublished.reason());
          return NO_DATA;
        }
        FetchOutcome.Failed failed = (FetchOutcome.Failed) outcome;
        err.println("nattery: ENTSO-E request failed (" + failed.kind().wire() + "): " + failed.detail()
          + (failed.retryable() ? " (try again later)" : ""));
        return failed.kind() == FetchOutcome.Failure.MALFORMED_DOCUMENT ? MALFORMED : 1;
      } finally {
        client.close();
        vertx.close();
      }
    }
  }

  /** Prints the complete days (only {@code onlyDay} when given); exit 3 when there is none. */
  static int print(EntsoeDocument document, LocalDate onlyDay, PrintWriter out, PrintWriter err) {
    if (document instanceof EntsoeDocument.NotPublished notPublished) {
      err.println("nattery: no prices in the document: " + notPublished.reason());
      return NO_DATA;
    }
    EntsoeDocument.Prices prices = (EntsoeDocument.Prices) document;
    List<PriceCurve> days = prices.days().stream()
      .filter(curve -> onlyDay == null || curve.deliveryDay().equals(onlyDay)).toList();
    List<EntsoeDocument.IncompleteDay> incomplete = prices.incompleteDays().stream()
      .filter(d -> onlyDay == null || d.day().equals(onlyDay)).toList();
    incomplete.forEach(d -> err.println("nattery: skipped incomplete day " + d.describe()));
    if (days.isEmpty()) {
      err.println("nattery: no complete delivery day in the document"
        + (incomplete.isEmpty() ? "" : " (incomplete: "
          + incomplete.stream().map(d -> d.day().toString()).collect(Collectors.joining(", ")) + ")"));
      return NO_DATA;
    }
    days.forEach(curve -> out.println(curve.toJson().encode()));
    out.flush();
    return 0;
  }
}
