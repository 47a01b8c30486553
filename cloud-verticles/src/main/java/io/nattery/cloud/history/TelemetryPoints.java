package io.nattery.cloud.history;

import io.nattery.protocol.UtcTimestamps;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.client.write.Point;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * Telemetry (contract JSON, already validated) as one row of the {@code telemetry} time series: the device
 * as a tag (a QuestDB symbol), every measurement and counter as a field, the sample's own {@code ts} as the
 * row's time, so replays from an edge buffer land where they belong.
 */
public final class TelemetryPoints {

  public static final String MEASUREMENT = "telemetry";
  private static final String[] NUMBERS = {
    "soc_pct", "battery_power_w", "battery_voltage_v", "battery_current_a", "battery_temp_c",
    "pv_power_w", "grid_power_w", "load_power_w", "setpoint_w"};
  private static final String[] COUNTERS = {"charged_wh", "discharged_wh", "import_wh", "export_wh", "pv_wh"};

  private TelemetryPoints() {
  }

  public static Point of(JsonObject telemetry) {
    Instant ts = UtcTimestamps.parse(telemetry.getString("ts"));
    Point point = Point.measurement(MEASUREMENT)
      .addTag("device_id", telemetry.getString("device_id"))
      .time(ts.getEpochSecond() * 1_000_000_000L + ts.getNano(), WritePrecision.NS)
      .addField("seq", telemetry.getLong("seq"))
      .addField("inverter_state", telemetry.getString("inverter_state"))
      .addField("mode", telemetry.getString("mode"))
      .addField("alarm_count", telemetry.getJsonArray("alarms").size());
    for (String name : NUMBERS) {
      point.addField(name, telemetry.getDouble(name));
    }
    JsonObject energy = telemetry.getJsonObject("energy");
    for (String name : COUNTERS) {
      point.addField("energy_" + name, energy.getLong(name));
    }
    return point;
  }
}
