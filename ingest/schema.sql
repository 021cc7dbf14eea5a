-- The database one import publishes. Table and column names follow ingest/sheets.py (the English ids of
-- DESIGN.md's import format). Money is in 万元 as in the files, stored exactly; dates are DATE.
-- Validation (ingest/validate.py) reports problems in the user's terms before any row gets here; the
-- constraints below are the last line, so a bug there cannot publish inconsistent data. The references of the
-- sheets (→ table (column), as ingest/sheets.py declares them) are checked once after the rows are in
-- (ingest/load.py `_check_references`, one anti-join each) rather than as FOREIGN KEYs: checked row by row,
-- those cost more than half a minute at a million households. So are the keys of several columns (ingest/load.py
-- `_check_keys`, one grouping each; see the end of this file).

CREATE TABLE townships (
    township_code   VARCHAR PRIMARY KEY,
    township_name   VARCHAR NOT NULL,
    county_leader   VARCHAR
);

CREATE TABLE villages (
    village_code     VARCHAR PRIMARY KEY,
    village_name     VARCHAR NOT NULL,
    township_code    VARCHAR NOT NULL,  -- → townships (township_code)
    is_poor_village  BOOLEAN NOT NULL,
    exit_year        SMALLINT CHECK (exit_year BETWEEN 1980 AND 2100),
    rural_population INTEGER NOT NULL CHECK (rural_population >= 0),
    first_secretary  VARCHAR
);

CREATE TABLE households (
    household_id    VARCHAR NOT NULL,  -- primary key: see the end of this file
    head_name       VARCHAR NOT NULL,
    head_id_number  VARCHAR NOT NULL CHECK (length(head_id_number) IN (15, 18)),
    village_code    VARCHAR NOT NULL,  -- → villages (village_code)
    size            SMALLINT NOT NULL CHECK (size > 0),
    attribute       VARCHAR NOT NULL CHECK (attribute IN ('一般贫困户', '低保贫困户', '特困供养户')),
    main_cause      VARCHAR NOT NULL,
    labor_count     SMALLINT NOT NULL CHECK (labor_count >= 0),
    helper          VARCHAR,
    food_clothing   BOOLEAN,
    education       BOOLEAN,
    medical         BOOLEAN,
    housing         BOOLEAN,
    water           BOOLEAN  -- 两不愁三保障: NULL = unknown (no column in the file), never taken as met
);

CREATE TABLE household_members (
    household_id  VARCHAR NOT NULL,  -- → households (household_id)
    name          VARCHAR NOT NULL,
    id_number     VARCHAR NOT NULL CHECK (length(id_number) IN (15, 18)),
    relation      VARCHAR NOT NULL,
    -- one value, or several conditions in the contract's order joined by 、 (e.g. 长期慢性病、残疾)
    health        VARCHAR NOT NULL CHECK (health = '健康' OR
                                          regexp_full_match(health, '(长期慢性病|患有大病|残疾)(、(长期慢性病|患有大病|残疾))*')),
    labor_skill   VARCHAR NOT NULL CHECK (labor_skill IN ('普通劳动力', '技能劳动力', '丧失劳动力', '无劳动力')),
    schooling     VARCHAR CHECK (schooling IN ('学前教育', '小学', '初中', '高中', '中职', '高职', '本科及以上', '失学辍学', '非在校生'))
);

CREATE TABLE household_events (
    household_id  VARCHAR NOT NULL,  -- → households (household_id)
    date          DATE NOT NULL,
    event         VARCHAR NOT NULL CHECK (event IN ('纳入', '脱贫', '返贫', '清退')),
    -- same-day events apply in this order (DESIGN.md "Household status at D")
    event_order   TINYINT NOT NULL CHECK (event_order BETWEEN 1 AND 4)
    -- unique (household_id, date, event): checked after the rows are in, see the end of this file
);

CREATE TABLE incomes (
    household_id       VARCHAR NOT NULL,  -- → households (household_id)
    year               SMALLINT NOT NULL,
    income_per_capita  DECIMAL(14, 2) NOT NULL CHECK (income_per_capita >= 0)
    -- unique (household_id, year): checked after the rows are in, see the end of this file
);

CREATE TABLE projects (
    project_id              VARCHAR PRIMARY KEY,
    project_name            VARCHAR NOT NULL,
    township_code           VARCHAR NOT NULL,  -- → townships (township_code)
    village_code            VARCHAR,  -- → villages (village_code)
    category                VARCHAR NOT NULL CHECK (category IN ('产业发展', '基础设施', '易地扶贫搬迁', '教育扶贫', '健康扶贫', '危房改造', '饮水安全', '光伏扶贫', '就业扶贫', '其他')),
    year                    SMALLINT NOT NULL,
    planned_investment      DECIMAL(18, 4) NOT NULL CHECK (planned_investment >= 0),
    planned_start           DATE NOT NULL,
    planned_end             DATE NOT NULL,
    beneficiary_households  INTEGER CHECK (beneficiary_households >= 0)
);

CREATE TABLE project_progress (
    project_id    VARCHAR NOT NULL,  -- → projects (project_id)
    report_date   DATE NOT NULL,
    progress_pct  DECIMAL(6, 2) NOT NULL CHECK (progress_pct BETWEEN 0 AND 100),
    status        VARCHAR NOT NULL CHECK (status IN ('未开工', '在建', '已完工', '已验收'))
    -- unique (project_id, report_date): checked after the rows are in, see the end of this file
);

CREATE TABLE fund_allocations (
    document_no  VARCHAR,
    project_id   VARCHAR NOT NULL,  -- → projects (project_id)
    source       VARCHAR NOT NULL CHECK (source IN ('中央', '省级', '市级', '县级', '整合涉农', '社会帮扶')),
    date         DATE NOT NULL,
    amount       DECIMAL(18, 4) NOT NULL CHECK (amount >= 0)
);

CREATE TABLE fund_payments (
    project_id  VARCHAR NOT NULL,  -- → projects (project_id)
    date        DATE NOT NULL,
    amount      DECIMAL(18, 4) NOT NULL CHECK (amount >= 0)
);

CREATE TABLE annual_plans (
    year                  SMALLINT NOT NULL,
    township_code         VARCHAR NOT NULL,  -- → townships (township_code)
    target_exit_persons   INTEGER NOT NULL CHECK (target_exit_persons >= 0),
    target_exit_villages  INTEGER NOT NULL CHECK (target_exit_villages >= 0),
    PRIMARY KEY (year, township_code)
);

CREATE TABLE village_collective_income (
    village_code       VARCHAR NOT NULL,  -- → villages (village_code)
    year               SMALLINT NOT NULL,
    collective_income  DECIMAL(18, 4) NOT NULL CHECK (collective_income >= 0),
    PRIMARY KEY (village_code, year)
);

-- Columns of the files that the contract does not know: kept, never an error.
CREATE TABLE extra_values (
    sheet        VARCHAR NOT NULL,
    excel_row    INTEGER NOT NULL,
    column_name  VARCHAR NOT NULL,
    value        VARCHAR
);

-- Township boundaries (GeoJSON geometry text, WGS-84/GCJ-02 as given); optional.
CREATE TABLE township_boundaries (
    township_code  VARCHAR PRIMARY KEY REFERENCES townships (township_code),
    geometry       VARCHAR NOT NULL
);

-- Problems that did not block the import, shown to the clerk and on 数据 pages.
CREATE TABLE import_warnings (
    import_id    INTEGER NOT NULL,
    sheet        VARCHAR NOT NULL,
    excel_row    INTEGER,
    column_name  VARCHAR,
    value        VARCHAR,
    message      VARCHAR NOT NULL
);

-- Every import that produced this version, oldest first (a partial update carries the history forward).
CREATE TABLE import_log (
    import_id     INTEGER PRIMARY KEY,
    imported_at   TIMESTAMP NOT NULL,
    imported_by   VARCHAR,
    mode          VARCHAR NOT NULL CHECK (mode IN ('full', 'partial', 'demo', 'boundaries', 'snapshot', 'rebuild')),
    source        VARCHAR NOT NULL,
    files         VARCHAR NOT NULL,   -- JSON list of {"name", "sha256"}
    row_counts    VARCHAR NOT NULL,   -- JSON object sheet -> rows
    warnings      INTEGER NOT NULL
);

CREATE TABLE meta (
    key    VARCHAR PRIMARY KEY,
    value  VARCHAR
);

-- KEYS AFTER THE ROWS --
-- The key of the large table looked up by its key. A publish runs what is above this line, inserts the rows, then
-- this part (ingest/load.py): an index built over rows already in costs half the CPU of one kept up row by row.
-- Run as one file (an empty database), it is the same schema.
-- The keys of several columns — household_events (household_id, date, event), incomes (household_id, year),
-- project_progress (project_id, report_date), as ingest/sheets.py declares them — are not kept as indexes: DuckDB
-- looks a row up through an index only by a single-column key (household_id = $id), so those indexes served no
-- query and cost 9 s of CPU at a million households. A publish checks them once the rows are in, with one grouping
-- each (ingest/load.py `_check_keys`: a duplicate is never published); validation refuses duplicates before that.
ALTER TABLE households ADD PRIMARY KEY (household_id);
