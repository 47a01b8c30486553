-- Every schedule sent to a device, from the API or the trading run, with its delivery and acknowledgement.
-- status moves forward only: pending -> RECEIVED -> APPLIED | FAILED (a redelivered schedule acked again
-- never moves it back).
CREATE TABLE schedules (
  schedule_id     text PRIMARY KEY,
  device_id       text NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
  version         bigint NOT NULL,
  source          text NOT NULL,
  body            jsonb NOT NULL,                 -- the Schedule exactly as sent
  content_hash    text NOT NULL,                  -- what the sender asked for: a retry matches, a conflict does not
  first_start     timestamptz NOT NULL,
  last_end        timestamptz NOT NULL,
  created_by      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'RECEIVED', 'APPLIED', 'FAILED')),
  reason          text,
  status_at       timestamptz,
  delivered_at    timestamptz,                    -- when the broker last took it
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  flagged_at      timestamptz,                    -- redelivery gave up: not acknowledged in time
  superseded_from timestamptz,                    -- a newer schedule of the device replaces this one from here on
  UNIQUE (device_id, version)
);
CREATE INDEX schedules_awaiting_ack ON schedules (next_attempt_at) WHERE status IN ('pending', 'RECEIVED') AND flagged_at IS NULL;

-- Acks as the devices sent them, once each: a redelivery acked again adds nothing.
CREATE TABLE schedule_acks (
  schedule_id text NOT NULL REFERENCES schedules (schedule_id) ON DELETE CASCADE,
  status      text NOT NULL CHECK (status IN ('RECEIVED', 'APPLIED', 'FAILED')),
  reason      text,
  version     bigint,
  device_ts   timestamptz NOT NULL,
  trace_id    text,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schedule_id, status)
);

-- One execution report per slot that started.
CREATE TABLE schedule_executions (
  schedule_id  text NOT NULL REFERENCES schedules (schedule_id) ON DELETE CASCADE,
  slot_start   timestamptz NOT NULL,
  mode         text NOT NULL,
  requested_kw double precision NOT NULL,
  actual_kw    double precision,
  status       text NOT NULL CHECK (status IN ('EXECUTED', 'FAILED')),
  reason       text,
  device_ts    timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schedule_id, slot_start)
);

-- Commands to devices and where each stands; results as the devices sent them, once per status.
CREATE TABLE commands (
  command_id      text PRIMARY KEY,
  device_id       text NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
  type            text NOT NULL,
  body            jsonb NOT NULL,                 -- the Command exactly as sent
  issued_at       timestamptz NOT NULL,
  expires_at      timestamptz NOT NULL,
  created_by      text,
  created_from    text,
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'ACCEPTED', 'DONE', 'REJECTED', 'FAILED', 'EXPIRED')),
  reason          text,
  result          jsonb,
  status_at       timestamptz,
  delivered_at    timestamptz,                    -- when the broker took it
  attempts        integer NOT NULL DEFAULT 0
);
CREATE INDEX commands_undelivered ON commands (issued_at) WHERE delivered_at IS NULL AND status = 'pending';
CREATE INDEX commands_device ON commands (device_id, issued_at);

CREATE TABLE command_results (
  command_id  text NOT NULL REFERENCES commands (command_id) ON DELETE CASCADE,
  status      text NOT NULL,
  reason      text,
  result      jsonb,
  device_ts   timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (command_id, status)
);

-- Who did what to the fleet, when and from where: every schedule, command, register write and provisioning.
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text,
  action      text NOT NULL,
  target      text,
  outcome     text NOT NULL,
  remote_addr text,
  detail      jsonb
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_target ON audit_log (target, at);
