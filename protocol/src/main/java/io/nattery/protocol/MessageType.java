package io.nattery.protocol;

import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/** Every payload of the contract with its JSON Schema (under {@code schemas/}) and its record decoder. */
public enum MessageType {
  TELEMETRY("telemetry.schema.json", Telemetry::fromJson),
  STATUS("status.schema.json", DeviceStatus::fromJson),
  HEALTH("health.schema.json", Health::fromJson),
  ALARM("alarm.schema.json", Alarm::fromJson),
  SCHEDULE("schedule.schema.json", Schedule::fromJson),
  ACK("ack.schema.json", Ack::fromJson),
  COMMAND("command.schema.json", Command::fromJson),
  COMMAND_RESULT("command-result.schema.json", CommandResult::fromJson),
  PRICE_CURVE("price-curve.schema.json", PriceCurve::fromJson);

  private final String schemaFile;
  private final Function<JsonObject, ?> decoder;

  MessageType(String schemaFile, Function<JsonObject, ?> decoder) {
    this.schemaFile = schemaFile;
    this.decoder = decoder;
  }

  public String schemaFile() {
    return schemaFile;
  }

  /** Class-path location of the schema, for the validator and for publishing it (OpenAPI, docs). */
  public String schemaResource() {
    return "schemas/" + schemaFile;
  }

  /** The record's {@code fromJson}; expects schema-valid input. */
  public Function<JsonObject, ?> decoder() {
    return decoder;
  }
}
