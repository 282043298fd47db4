-- What the foreign keys of `scans` and `stamp_scans` cost the scan writer on PostgreSQL
-- (migration 38; bench/RESULTS.md, issue 22, ninth step). Synthetic tables of the shapes of
-- `batches`, `stamps`, `stamp_scans` and `scans`, 2,000,000 stamps in 100 batches; the scan
-- writer's two statements (its counting INSERT … SELECT … JOIN stamps … ON CONFLICT …
-- RETURNING, and the scans' INSERT), 64 stamps never scanned a statement, 1,000 statements a
-- run, alternately into tables with and without the keys. Run on an empty database:
--   createdb -h 127.0.0.1 -U postgres fkprobe
--   psql postgres://postgres@127.0.0.1:5432/fkprobe -f bench/pg_scan_foreign_keys.sql
-- and compare the `run(…)` times of the same base (the same stamps) with and without keys.
\set ON_ERROR_STOP 1
\timing off
CREATE TABLE batches (id uuid PRIMARY KEY);
INSERT INTO batches SELECT gen_random_uuid() FROM generate_series(1, 100);
CREATE TABLE stamps (serial varchar(16) PRIMARY KEY, batch_id uuid NOT NULL REFERENCES batches (id), claimed_at timestamptz, filler text);
CREATE FUNCTION ser(i bigint) RETURNS varchar LANGUAGE sql IMMUTABLE AS $$ SELECT upper(substr(md5(((i * 7919) % 2000000 + 1)::text), 1, 16)) $$;
INSERT INTO stamps SELECT ser(i), (SELECT id FROM batches OFFSET (i % 100) LIMIT 1), NULL, repeat('x', 200) FROM generate_series(0, 1999999) i;
VACUUM ANALYZE stamps;
CREATE TABLE ss_keys (serial varchar(16) PRIMARY KEY REFERENCES stamps (serial), batch_id uuid NOT NULL REFERENCES batches (id), scan_count bigint NOT NULL, first_scanned_at timestamptz NOT NULL, recent text NOT NULL);
CREATE TABLE ss_none (serial varchar(16) PRIMARY KEY, batch_id uuid NOT NULL, scan_count bigint NOT NULL, first_scanned_at timestamptz NOT NULL, recent text NOT NULL);
CREATE TABLE sc_keys (scanned_at timestamptz NOT NULL, id uuid NOT NULL, serial varchar(16) NOT NULL REFERENCES stamps (serial), client_hash bytea NOT NULL, language varchar(8) NOT NULL, PRIMARY KEY (scanned_at, id));
CREATE TABLE sc_none (scanned_at timestamptz NOT NULL, id uuid NOT NULL, serial varchar(16) NOT NULL, client_hash bytea NOT NULL, language varchar(8) NOT NULL, PRIMARY KEY (scanned_at, id));
CHECKPOINT;
-- n statements of each kind, 64 stamps each, from stamp number base on.
CREATE FUNCTION run(ss text, sc text, base int, n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE k int;
BEGIN
  FOR k IN 0..n - 1 LOOP
    EXECUTE format('INSERT INTO %I (serial, batch_id, scan_count, first_scanned_at, recent) SELECT v.serial, s.batch_id, 1, now(), ''1765000000'' FROM (SELECT ser($1 + $2 * 64 + g) AS serial FROM generate_series(0, 63) g) v JOIN stamps s ON s.serial = v.serial ON CONFLICT (serial) DO UPDATE SET scan_count = %I.scan_count + 1 RETURNING serial, scan_count, (SELECT claimed_at FROM stamps WHERE stamps.serial = %I.serial)', ss, ss, ss) USING base, k;
    EXECUTE format('INSERT INTO %I (scanned_at, id, serial, client_hash, language) SELECT clock_timestamp(), gen_random_uuid(), ser($1 + $2 * 64 + g), ''\x00''::bytea, ''vi'' FROM generate_series(0, 63) g', sc) USING base, k;
  END LOOP;
END $$;
\timing on
\echo '--- 64,000 stamps never scanned, with keys, then without; then the other way round'
SELECT run('ss_keys', 'sc_keys', 0, 1000);
SELECT run('ss_none', 'sc_none', 0, 1000);
SELECT run('ss_none', 'sc_none', 100000, 1000);
SELECT run('ss_keys', 'sc_keys', 100000, 1000);
SELECT run('ss_keys', 'sc_keys', 200000, 1000);
SELECT run('ss_none', 'sc_none', 200000, 1000);
\echo '--- WAL written a run (the keys lock each stamp row they check: a record and a dirtied page of stamps each)'
\timing off
SELECT pg_current_wal_lsn() AS a \gset
SELECT run('ss_keys', 'sc_keys', 300000, 1000);
SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), :'a')) AS with_keys;
SELECT pg_current_wal_lsn() AS a \gset
SELECT run('ss_none', 'sc_none', 300000, 1000);
SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), :'a')) AS without_keys;
