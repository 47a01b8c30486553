package io.nattery.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a payload against the contract and turns it into its record: size, JSON, version, schema,
 * then the rules between fields. Build one and share it: the schemas are compiled once here and
 * validation keeps no state, so any number of threads may call it.
 *
 * <p>Schema validation is nearly all of the cost. Telemetry, nearly all of the traffic, first meets
 * {@link TelemetryFastCheck}, which vouches for an ordinary sample at a fraction of the cost; only what it
 * does not vouch for goes through the schema. vertx-json-schema's validate() is larger than
 * HotSpot's 8000-byte JIT limit: JVMs that validate a lot should run with
 * {@code -XX:-DontCompileHugeMethods} (about 3x the throughput).
 */
public final class MessageValidator {

  // The schemas allow unknown properties: within v1 a new field may only be optional, and a fleet of
  // devices cannot be upgraded at once, so old readers must ignore what newer writers add.

  private static final JsonSchemaOptions OPTIONS = new JsonSchemaOptions()
      .setDraft(Draft.DRAFT202012)
      .setOutputFormat(OutputFormat.Basic)
      .setBaseUri("https://nattery.io/schemas/v1/");

  /** Keywords whose error only says that a subschema failed: the subschema's own errors follow it. */
  private static final Set<String> WRAPPER_KEYWORDS = Set.of(
      "properties", "patternProperties", "items", "prefixItems", "$ref",
      "allOf", "anyOf", "oneOf", "if", "then", "else", "dependentSchemas");

  /** The property that selects a {@code oneOf} branch (ack.schema.json). */
  private static final String DISCRIMINATOR = "type";

  private static final Pattern MISSING_PROPERTY = Pattern.compile("required property \"(.*)\"");

  private static final int MAX_DETAIL_CHARS = 200;

  private final Map<MessageType, Validator> validators = new EnumMap<>(MessageType.class);

  public MessageValidator() {
    for (MessageType type : MessageType.values()) {
      validators.put(type, compile(JsonSchema.of(loadSchema(type))));
    }
  }

  /** Validator.create dereferences and wraps every subschema now, so validate() never writes to them. */
  static Validator compile(JsonSchema schema) {
    return Validator.create(schema, OPTIONS);
  }

  /** The schema of a message type, read from the class path. */
  public static JsonObject loadSchema(MessageType type) {
    try (InputStream in = MessageValidator.class.getClassLoader().getResourceAsStream(type.schemaResource())) {
      if (in == null) {
        throw new IllegalStateException("schema missing from the class path: " + type.schemaResource());
      }
      return new JsonObject(Buffer.buffer(in.readAllBytes()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Decodes an MQTT payload or REST body. The size is checked before anything is parsed. The caller
   * chooses T to match the type ({@code Decoded<Telemetry>} for TELEMETRY, {@code Decoded<Ack>} for ACK).
   */
  public <T> Decoded<T> decode(MessageType type, Buffer payload) {
    Objects.requireNonNull(type, "type");
    if (payload == null || payload.length() == 0) {
      return reject(RejectReason.MALFORMED_JSON, "", "empty payload");
    }
    if (payload.length() > Contract.MAX_PAYLOAD_BYTES) {
      return reject(RejectReason.OVERSIZED, "",
          payload.length() + " bytes is over the limit of " + Contract.MAX_PAYLOAD_BYTES + " bytes");
    }
    JsonObject json;
    try {
      json = payload.toJsonObject();
    } catch (RuntimeException e) {
      // DecodeException for bad JSON; the codec's other runtime exceptions for JSON that is not an object
      return reject(RejectReason.MALFORMED_JSON, "", "not a JSON object: " + shorten(e.getMessage()));
    }
    if (json == null || json.getMap() == null) {
      return reject(RejectReason.MALFORMED_JSON, "", "not a JSON object");
    }
    return decode(type, json);
  }

  /** Decodes an already parsed payload (the size limit is then the caller's, e.g. the HTTP body limit). */
  @SuppressWarnings("unchecked")
  public <T> Decoded<T> decode(MessageType type, JsonObject json) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(json, "json");
    // a different "v" is another contract: its fields would be misread as version 1 schema errors
    if (json.containsKey("v") && !isVersionOne(json.getValue("v"))) {
      return reject(RejectReason.UNKNOWN_VERSION, "v",
          "unsupported version " + shorten(Json.encode(json.getValue("v"))) + ", expected " + Contract.VERSION);
    }
    if (!(type == MessageType.TELEMETRY && TelemetryFastCheck.certainlyValid(json))) {
      OutputUnit result = validators.get(type).validate(json);
      if (!result.getValid()) {
        return Decoded.rejected(new Rejection(RejectReason.SCHEMA_INVALID, fieldErrors(result)));
      }
    }
    Object record;
    try {
      record = type.decoder().apply(json);
    } catch (RuntimeException e) {
      // the schema lets nothing through that fromJson cannot read; this is a safety net, not a path
      return reject(RejectReason.SEMANTIC_INVALID, "", shorten(String.valueOf(e.getMessage())));
    }
    List<FieldError> inconsistencies = inconsistencies(record);
    if (!inconsistencies.isEmpty()) {
      return Decoded.rejected(new Rejection(RejectReason.SEMANTIC_INVALID, inconsistencies));
    }
    return Decoded.accepted((T) record);
  }

  private static <T> Decoded<T> reject(RejectReason reason, String field, String message) {
    return Decoded.rejected(Rejection.of(reason, field, message));
  }

  private static boolean isVersionOne(Object v) {
    return v instanceof Number number && number.doubleValue() == Contract.VERSION;
  }

  /** Reduces the validator's flat list to the errors that name a field, without wrappers and duplicates. */
  static List<FieldError> fieldErrors(OutputUnit result) {
    List<OutputUnit> units = result.getErrors() == null ? List.of() : result.getErrors();
    // a oneOf branch whose discriminator does not match is not what the sender meant: its errors are noise
    Set<String> otherBranches = new HashSet<>();
    for (OutputUnit unit : units) {
      String branch = oneOfBranch(unit.getKeywordLocation());
      if (branch != null && isDiscriminatorMismatch(unit)) {
        otherBranches.add(branch);
      }
    }
    Set<FieldError> errors = new LinkedHashSet<>();
    for (OutputUnit unit : units) {
      String branch = oneOfBranch(unit.getKeywordLocation());
      if (WRAPPER_KEYWORDS.contains(keyword(unit)) || otherBranches.contains(branch)) {
        continue;
      }
      errors.add(toFieldError(unit));
    }
    if (errors.isEmpty()) {
      errors.add(units.isEmpty()
          ? new FieldError("", "does not match the schema")
          : new FieldError(fieldName(units.get(0).getInstanceLocation()), units.get(0).getError()));
    }
    return new ArrayList<>(errors);
  }

  private static FieldError toFieldError(OutputUnit unit) {
    String field = fieldName(unit.getInstanceLocation());
    if ("required".equals(keyword(unit))) {
      String missing = missingProperty(unit);
      if (missing != null) {
        return new FieldError(field.isEmpty() ? missing : field + "." + missing, "is required");
      }
    }
    return new FieldError(field, unit.getError());
  }

  private static boolean isDiscriminatorMismatch(OutputUnit unit) {
    String location = unit.getKeywordLocation();
    return location.endsWith("/properties/" + DISCRIMINATOR + "/const")
        || ("required".equals(keyword(unit)) && DISCRIMINATOR.equals(missingProperty(unit)));
  }

  /** {@code #/oneOf/1/$ref/properties/x} -> {@code #/oneOf/1/}; null outside a oneOf branch. */
  private static String oneOfBranch(String keywordLocation) {
    int at = keywordLocation.lastIndexOf("/oneOf/");
    if (at < 0) {
      return null;
    }
    int end = keywordLocation.indexOf('/', at + "/oneOf/".length());
    return end < 0 ? null : keywordLocation.substring(0, end + 1);
  }

  private static String keyword(OutputUnit unit) {
    String location = unit.getKeywordLocation();
    return location.substring(location.lastIndexOf('/') + 1);
  }

  private static String missingProperty(OutputUnit unit) {
    Matcher matcher = MISSING_PROPERTY.matcher(unit.getError());
    return matcher.find() ? matcher.group(1) : null;
  }

  /** JSON pointer {@code #/slots/3/rate_kw} -> {@code slots[3].rate_kw}. */
  static String fieldName(String pointer) {
    StringBuilder field = new StringBuilder();
    for (String segment : pointer.split("/")) {
      if (segment.isEmpty() || segment.equals("#")) {
        continue;
      }
      String name = segment.replace("~1", "/").replace("~0", "~");
      if (name.chars().allMatch(Character::isDigit)) {
        field.append('[').append(name).append(']');
      } else {
        if (field.length() > 0) {
          field.append('.');
        }
        field.append(name);
      }
    }
    return field.toString();
  }

  /** Rules between fields that a schema cannot say. The window, alignment and power are ScheduleRules'. */
  private static List<FieldError> inconsistencies(Object record) {
    List<FieldError> errors = new ArrayList<>();
    if (record instanceof Schedule schedule) {
      for (int i = 0; i < schedule.slots().size(); i++) {
        Schedule.Slot slot = schedule.slots().get(i);
        if (!slot.end().isAfter(slot.start())) {
          errors.add(new FieldError("slots[" + i + "].end", "must be after start"));
        }
        if (slot.socMinPct() != null && slot.socMaxPct() != null && slot.socMinPct() > slot.socMaxPct()) {
          errors.add(new FieldError("slots[" + i + "].soc_min_pct", "must not be above soc_max_pct"));
        }
      }
    } else if (record instanceof PriceCurve curve) {
      Duration mtu = curve.resolution();
      for (int i = 0; i < curve.points().size(); i++) {
        PriceCurve.Point point = curve.points().get(i);
        if (!Duration.between(point.start(), point.end()).equals(mtu)) {
          errors.add(new FieldError("points[" + i + "].end", "must be one " + Wire.mtu(mtu) + " after start"));
        }
        if (i > 0 && !point.start().equals(curve.points().get(i - 1).end())) {
          errors.add(new FieldError("points[" + i + "].start", "must be the end of points[" + (i - 1) + "]"));
        }
      }
    } else if (record instanceof Command command) {
      if (!command.expiresAt().isAfter(command.issuedAt())) {
        errors.add(new FieldError("expires_at", "must be after issued_at"));
      }
    }
    return errors;
  }

  private static String shorten(String text) {
    if (text == null) {
      return "";
    }
    return text.length() <= MAX_DETAIL_CHARS ? text : text.substring(0, MAX_DETAIL_CHARS) + "...";
  }
}
