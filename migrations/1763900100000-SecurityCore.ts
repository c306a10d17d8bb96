import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SecurityCore1763900100000 implements MigrationInterface {
  name = 'SecurityCore1763900100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE data_keys (
        id             serial PRIMARY KEY,
        purpose        text NOT NULL CHECK (purpose IN ('phi', 'secrets', 'blind-index')),
        master_key_id  text NOT NULL,
        wrapped_key    bytea NOT NULL,
        status         text NOT NULL CHECK (status IN ('active', 'retired')),
        created_at     timestamptz NOT NULL DEFAULT now(),
        retired_at     timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX data_keys_one_active_idx ON data_keys (purpose) WHERE status = 'active'`);

    await q.query(`
      CREATE TABLE users (
        id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email                 text NOT NULL,
        display_name          text NOT NULL,
        role                  text NOT NULL CHECK (role IN ('admin', 'marketer', 'compliance_officer', 'analyst')),
        password_hash         text NOT NULL,
        password_changed_at   timestamptz NOT NULL DEFAULT now(),
        must_change_password  boolean NOT NULL DEFAULT false,
        mfa_secret            bytea,
        mfa_pending_secret    bytea,
        mfa_enrolled_at       timestamptz,
        mfa_last_time_step    bigint,
        failed_attempts       integer NOT NULL DEFAULT 0,
        locked_until          timestamptz,
        last_login_at         timestamptz,
        disabled_at           timestamptz,
        created_at            timestamptz NOT NULL DEFAULT now(),
        updated_at            timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_idx ON users (lower(email))`);

    await q.query(`
      CREATE TABLE recovery_codes (
        id          bigserial PRIMARY KEY,
        user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        code_hash   bytea NOT NULL,
        used_at     timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id)`);

    await q.query(`
      CREATE TABLE sessions (
        id                   bytea PRIMARY KEY,
        user_id              uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        mfa_passed           boolean NOT NULL DEFAULT false,
        csrf_token           text NOT NULL,
        ip                   text,
        user_agent           text,
        created_at           timestamptz NOT NULL DEFAULT now(),
        last_seen_at         timestamptz NOT NULL DEFAULT now(),
        absolute_expires_at  timestamptz NOT NULL,
        revoked_at           timestamptz,
        revoked_reason       text
      )`);
    await q.query(`CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL`);

    await q.query(`
      CREATE TABLE audit_log (
        id            bigserial PRIMARY KEY,
        occurred_at   timestamptz NOT NULL,
        actor_type    text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system', 'anonymous')),
        actor_id      text,
        action        text NOT NULL,
        subject_type  text,
        subject_id    text,
        outcome       text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
        ip            text,
        user_agent    text,
        details       jsonb NOT NULL DEFAULT '{}',
        prev_hash     bytea NOT NULL,
        hash          bytea NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at)`);
    await q.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, occurred_at)`);
    await q.query(`CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id)`);
    await q.query(`CREATE INDEX audit_log_action_idx ON audit_log (action text_pattern_ops)`);
    // Append-only: the database itself refuses to change or remove an audit row.
    await q.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
    await q.query(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP FUNCTION audit_log_append_only()`);
    await q.query(`DROP TABLE sessions`);
    await q.query(`DROP TABLE recovery_codes`);
    await q.query(`DROP TABLE users`);
    await q.query(`DROP TABLE data_keys`);
  }
}
