package io.nattery.cloud.web;

import io.nattery.cloud.LocalServices;
import io.nattery.cloud.NodeProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard in headless Chromium against {@code ./nattery demo}, as a user sees it: runs
 * {@code web/e2e/dashboard.mjs} (playwright-core, installed by the web module's build, driving Debian's
 * {@code chromium}) and keeps its screenshots in {@code target/dashboard-screenshots}. A missing chromium or node
 * fails the test, naming it: the browser checks are never skipped.
 */
class DashboardIT {

  private static final int DEVICES = 3;
  private static final String PASSWORD = "dashboard-it";

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void theDashboardWorksInChromiumAgainstTheDemo() throws Exception {
    Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    assertTrue(Files.isExecutable(chromium), "Chromium is missing at " + chromium
      + " (Debian: apt-get install chromium; or set CHROMIUM)");
    Path web = Path.of("..", "web").toAbsolutePath().normalize();
    assertTrue(Files.isDirectory(web.resolve("node_modules/playwright-core")),
      "playwright-core is missing in " + web + "/node_modules: the web module's build (npm install) did not run");
    Path screenshots = Path.of("target", "dashboard-screenshots").toAbsolutePath();
    int port = LocalServices.freePort();
    int mqttPort = LocalServices.freePort();
    try (NodeProcess demo = NodeProcess.start("demo", "--devices", String.valueOf(DEVICES), "--port",
      String.valueOf(port), "--mqtt-port", String.valueOf(mqttPort), "--password", PASSWORD)) {
      demo.awaitOutput("ready in", 180_000);
      ProcessBuilder node = new ProcessBuilder("node", "e2e/dashboard.mjs").directory(web.toFile())
        .redirectErrorStream(true);
      node.environment().put("NATTERY_URL", "http://127.0.0.1:" + port);
      node.environment().put("NATTERY_PASSWORD", PASSWORD);
      node.environment().put("DEVICES", String.valueOf(DEVICES));
      node.environment().put("CHROMIUM", chromium.toString());
      node.environment().put("SCREENSHOTS", screenshots.toString());
      Process browser;
      try {
        browser = node.start();
      } catch (java.io.IOException e) {
        throw new AssertionError("node is missing (Debian: apt-get install nodejs npm): " + e.getMessage());
      }
      List<String> output = new ArrayList<>();
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(browser.getInputStream(),
        StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          System.out.println("[dashboard] " + line);
          output.add(line);
        }
      }
      boolean ended = browser.waitFor(5, TimeUnit.MINUTES);
      assertTrue(ended, "the browser test did not end");
      assertEquals(0, browser.exitValue(), "the browser checks failed:\n" + String.join("\n", output));
      for (String page : List.of("01-login", "02-fleet", "03-device", "04-device-after-set-power", "05-prices",
        "06-alerts", "07-revenue", "08-prices-stale")) {
        assertTrue(Files.size(screenshots.resolve(page + ".png")) > 0, "no screenshot of " + page);
      }
    }
  }
}
