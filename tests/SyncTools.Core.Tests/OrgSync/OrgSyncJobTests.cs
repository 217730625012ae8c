using SyncTools.Core.Jobs;
using SyncTools.Core.MySql;
using SyncTools.Core.OrgSync;
using SyncTools.Core.Status;
using SyncTools.Core.Tests.Support;

namespace SyncTools.Core.Tests.OrgSync;

/// <summary>Invoke-OrgSync's engine against the test MariaDB: a LAAS database and an organizations database of their own.</summary>
public class OrgSyncJobTests : IAsyncLifetime
{
    private const string Old = "'2020-01-02 03:04:05'";
    private readonly MySqlTestDatabase _laas = new();
    private readonly MySqlTestDatabase _org = new();

    public async Task InitializeAsync()
    {
        await _laas.InitializeAsync();
        await _org.InitializeAsync();
        await _laas.ExecuteAsync(LaasSchema.Create);
        await _org.ExecuteAsync(TargetSchema.Script);
    }

    public async Task DisposeAsync()
    {
        await _laas.DisposeAsync();
        await _org.DisposeAsync();
    }

    private OrgSyncOptions Options => new()
    {
        Source = new MySqlSource(TestServices.MySql),
        Target = new MySqlSource(TestServices.MySql),
        SourceDatabase = _laas.Name,
        TargetDatabase = _org.Name,
        Retry = new RetryPolicy(4, TimeSpan.FromMilliseconds(50)),
    };

    private static async Task<OrgSyncRun> Run(OrgSyncOptions options, IJobReporter? reporter = null) =>
        (await OrgSyncJob.RunAsync(options, reporter ?? new RecordingReporter(), null, CancellationToken.None))!;

    private Task AddUsers(int count, int from = 1) => _laas.ExecuteAsync(
        "INSERT INTO users (id, first_name, last_name, email, password, created_at, updated_at) VALUES " +
        string.Join(", ", Enumerable.Range(from, count).Select(i => $"({i}, 'First{i}', 'Last{i}', 'u{i}@example.org', '$2b$10$hash{i}', {Old}, {Old})")));

    private Task<List<string>> Org(string sql) => _org.ColumnAsync(sql);

    [Fact]
    public async Task Maps_every_column_role_status_and_name_as_the_source_design_says()
    {
        await _laas.ExecuteAsync($"""
            INSERT INTO institutes VALUES (10, 'North', 'https://img/n.png', '2019-05-06 07:08:09', {Old}), (11, 'South', NULL, {Old}, {Old});
            INSERT INTO users VALUES
              (1, '  Ada ', ' Lovelace ', 'ada@example.org', '$2b$10$ada', 1, '2018-01-01 00:00:01', '2021-02-03 04:05:06'),
              (2, 'Grace', NULL, 'grace@example.org', '$2b$10$grace', 1, {Old}, {Old}),
              (3, NULL, 'Hopper', 'hopper@example.org', '$2b$10$hop', 1, {Old}, {Old}),
              (4, NULL, NULL, 'anon@example.org', '$2b$10$anon', 1, {Old}, {Old});
            INSERT INTO institute_user (institute_id, user_id, user_type, status, created_at, updated_at) VALUES
              (10, 1, 'ADMIN', 'ACTIVE', {Old}, {Old}), (10, 2, 'teacher', 'active', {Old}, {Old}), (10, 3, 'Instructor', 'INACTIVE', {Old}, {Old}),
              (10, 4, 'STUDENT', NULL, {Old}, {Old}), (11, 1, 'staff', 'ACTIVE', {Old}, {Old}), (11, 2, 'DIRECTOR', 'ACTIVE', {Old}, {Old}),
              (11, 3, 'JANITOR', 'ACTIVE', {Old}, {Old}), (11, 4, NULL, 'SUSPENDED', {Old}, {Old});
            """);

        var run = await Run(Options);

        Assert.Equal([OrgSyncTable.Institutes, OrgSyncTable.Users, OrgSyncTable.InstituteUsers, OrgSyncTable.UserAuth], run.Tables.Select(t => t.Table));
        Assert.Equal([2L, 4L, 8L, 4L], run.Tables.Select(t => t.Inserted));
        Assert.Equal(["10|North|https://img/n.png|2019-05-06 07:08:09", "11|South||2020-01-02 03:04:05"],
            await Org("SELECT CONCAT_WS('|', instituteId, name, IFNULL(imageUrl, ''), DATE_FORMAT(createdAt, '%Y-%m-%d %T')) FROM institute ORDER BY instituteId"));
        Assert.Equal(["1|Ada Lovelace|ada@example.org|$2b$10$ada|2021-02-03 04:05:06", "2|Grace|grace@example.org|$2b$10$grace|2020-01-02 03:04:05",
                      "3|Hopper|hopper@example.org|$2b$10$hop|2020-01-02 03:04:05", "4||anon@example.org|$2b$10$anon|2020-01-02 03:04:05"],
            await Org("SELECT CONCAT_WS('|', userId, name, email, password, DATE_FORMAT(updatedAt, '%Y-%m-%d %T')) FROM user ORDER BY userId"));
        Assert.Equal(["10|1|ADMIN|1", "10|2|FACULTY|1", "10|3|FACULTY|0", "10|4|STUDENT|0", "11|1|STAFF|1", "11|2|DIRECTOR|1", "11|3|STUDENT|1", "11|4|STUDENT|0"],
            await Org("SELECT CONCAT_WS('|', instituteId, userId, role, isActive) FROM institute_users ORDER BY instituteId, userId"));
        Assert.Equal(["1|$2b$10$ada|2018-01-01 00:00:01", "2|$2b$10$grace|2020-01-02 03:04:05", "3|$2b$10$hop|2020-01-02 03:04:05", "4|$2b$10$anon|2020-01-02 03:04:05"],
            await Org("SELECT CONCAT_WS('|', userId, password, DATE_FORMAT(createdAt, '%Y-%m-%d %T')) FROM user_auth ORDER BY userId"));
    }

    [Fact]
    public async Task Syncs_only_active_users_with_email_and_password_and_skips_links_to_what_the_target_lacks()
    {
        await _laas.ExecuteAsync($"""
            INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old});
            INSERT INTO users VALUES (1, 'A', 'B', 'a@x.org', 'h1', 1, {Old}, {Old}), (2, 'Off', 'Line', 'off@x.org', 'h2', 0, {Old}, {Old}),
              (3, 'No', 'Mail', NULL, 'h3', 1, {Old}, {Old}), (4, 'Empty', 'Mail', '', 'h4', 1, {Old}, {Old}), (5, 'No', 'Pass', 'np@x.org', NULL, 1, {Old}, {Old});
            INSERT INTO institute_user (id, institute_id, user_id, user_type, status, created_at, updated_at) VALUES
              (100, 10, 1, 'STUDENT', 'ACTIVE', {Old}, {Old}), (101, 10, 2, 'STUDENT', 'ACTIVE', {Old}, {Old}), (102, 99, 1, 'STUDENT', 'ACTIVE', {Old}, {Old});
            """);
        var reporter = new RecordingReporter();

        var run = await Run(Options, reporter);

        Assert.Equal(["1"], await Org("SELECT userId FROM user"));
        Assert.Equal(["1"], await Org("SELECT userId FROM user_auth"));
        var links = run.Tables.Single(t => t.Table == OrgSyncTable.InstituteUsers);
        Assert.Equal((3L, 1L, 2L, 0L), (links.Read, links.Inserted, links.Skipped, links.Failed));
        var warning = Assert.Single(reporter.Warnings);
        Assert.True(warning.Contains("2 rows", StringComparison.Ordinal) && warning.Contains("(id 101; id 102;", StringComparison.Ordinal), warning);
        Assert.Contains(reporter.Verboses, v => v.Contains("row id 102 skipped: instituteId 99 is not in", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pages_a_link_table_by_its_own_composite_key_when_it_has_no_id()
    {
        await _laas.ExecuteAsync($"""
            DROP TABLE institute_user;
            CREATE TABLE institute_user (institute_id BIGINT NOT NULL, user_id BIGINT NOT NULL, user_type VARCHAR(32) NULL, status VARCHAR(32) NULL,
              created_at DATETIME NULL, updated_at DATETIME NULL, PRIMARY KEY (institute_id, user_id));
            INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old}), (11, 'South', NULL, {Old}, {Old});
            INSERT INTO institute_user VALUES (11, 1, 'STAFF', 'ACTIVE', {Old}, {Old}), (10, 3, 'ADMIN', 'ACTIVE', {Old}, {Old}), (10, 1, 'TEACHER', 'ACTIVE', {Old}, {Old}),
              (11, 2, NULL, NULL, {Old}, {Old}), (10, 2, 'STUDENT', 'ACTIVE', {Old}, {Old}), (99, 1, 'STUDENT', 'ACTIVE', {Old}, {Old});
            """);
        await AddUsers(3);
        var reporter = new RecordingReporter();

        var first = await Run(Options with { BatchSize = 2 }, reporter);
        var second = await Run(Options with { BatchSize = 2 });

        var links = first.Tables.Single(t => t.Table == OrgSyncTable.InstituteUsers);
        Assert.Equal((6L, 5L, 1L, 0L), (links.Read, links.Inserted, links.Skipped, links.Duplicates));
        Assert.Equal(["10|1|FACULTY", "10|2|STUDENT", "10|3|ADMIN", "11|1|STAFF", "11|2|STUDENT"],
            await Org("SELECT CONCAT_WS('|', instituteId, userId, role) FROM institute_users ORDER BY instituteId, userId"));
        Assert.Contains(reporter.Verboses, v => v.Contains("row institute_id 99, user_id 1 skipped", StringComparison.Ordinal));
        Assert.Equal((0L, 0L, 13L), (second.Inserted, second.Updated, second.Unchanged));
    }

    [Fact]
    public async Task Of_link_rows_repeating_an_institute_and_user_the_latest_is_synced_and_the_rest_counted_as_duplicates()
    {
        await _laas.ExecuteAsync($"""
            INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old});
            INSERT INTO institute_user (id, institute_id, user_id, user_type, status, created_at, updated_at) VALUES
              (1, 10, 1, 'STUDENT', 'ACTIVE', {Old}, {Old}), (2, 10, 1, 'ADMIN', 'ACTIVE', {Old}, '2021-06-07 08:09:10'), (3, 10, 1, 'STAFF', 'ACTIVE', {Old}, NULL),
              (4, 10, 2, 'DIRECTOR', 'ACTIVE', {Old}, {Old}), (5, 10, 2, 'STAFF', 'INACTIVE', {Old}, {Old}), (6, 10, 3, 'STAFF', 'ACTIVE', {Old}, {Old});
            """);
        await AddUsers(3);
        var reporter = new RecordingReporter();

        var first = await Run(Options with { BatchSize = 1 }, reporter);
        var second = await Run(Options with { BatchSize = 1 }, new RecordingReporter());

        var links = first.Tables.Single(t => t.Table == OrgSyncTable.InstituteUsers);
        Assert.Equal((3L, 3L, 3L), (links.Read, links.Inserted, links.Duplicates));
        Assert.Equal(["10|1|ADMIN|1", "10|2|STAFF|0", "10|3|STAFF|1"],
            await Org("SELECT CONCAT_WS('|', instituteId, userId, role, isActive) FROM institute_users ORDER BY userId"));
        var warning = Assert.Single(reporter.Warnings);
        Assert.Contains("3 rows of", warning, StringComparison.Ordinal);
        Assert.Contains("latest updated_at, then the highest id", warning, StringComparison.Ordinal);
        Assert.Equal((0L, 0L, 3L), (second.Inserted, second.Updated, second.Duplicates));
        var (source, target) = await OrgSyncJob.LiveCountsAsync(new MySqlSource(TestServices.MySql), _laas.Name, _org.Name, CancellationToken.None);
        Assert.Equal(source, target);
    }

    [Fact]
    public async Task Rows_handed_over_in_pieces_smaller_than_a_batch_are_all_compared_and_a_keys_repeats_across_pieces_counted_once_each()
    {
        // Three rows per institute and user, 300 rows: the readers hand over 100 rows at a time, so some keys' rows
        // straddle two pieces, and batches of 151 rows run on to the end of a key.
        var links = Enumerable.Range(0, 300).Select(i => (Id: i + 1, User: i / 3 + 1, Latest: i % 3 == 1));
        await _laas.ExecuteAsync($"INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old});" +
            "INSERT INTO institute_user (id, institute_id, user_id, user_type, status, created_at, updated_at) VALUES " +
            string.Join(", ", links.Select(l => $"({l.Id}, 10, {l.User}, '{(l.Latest ? "ADMIN" : "STAFF")}', 'ACTIVE', {Old}, {(l.Latest ? "'2021-06-07 08:09:10'" : Old)})")));
        await AddUsers(100);

        var first = await Run(Options with { BatchSize = 151, Tables = [OrgSyncTable.Institutes, OrgSyncTable.Users, OrgSyncTable.InstituteUsers] });
        var notLatest = await Org("SELECT CONCAT_WS('|', userId, role, isActive) FROM institute_users WHERE role <> 'ADMIN' OR isActive <> 1");
        await _laas.ExecuteAsync("UPDATE institute_user SET status = 'INACTIVE' WHERE user_id IN (34, 51) AND user_type = 'ADMIN'");
        var second = await Run(Options with { BatchSize = 151, Tables = [OrgSyncTable.InstituteUsers] });

        var synced = first.Tables.Single(t => t.Table == OrgSyncTable.InstituteUsers);
        Assert.Equal((100L, 100L, 200L), (synced.Read, synced.Inserted, synced.Duplicates));
        Assert.Empty(notLatest);
        var again = second.Tables.Single();
        Assert.Equal((2L, 98L, 200L, 0L), (again.Updated, again.Unchanged, again.Duplicates, again.Stale));
        Assert.Equal(["34", "51"], await Org("SELECT userId FROM institute_users WHERE isActive = 0 ORDER BY userId"));
    }

    [Fact]
    public async Task Refuses_a_source_table_with_no_key_to_page_by_before_writing_anything()
    {
        await _laas.ExecuteAsync($"""
            DROP TABLE institute_user;
            CREATE TABLE institute_user (institute_id BIGINT NOT NULL, user_id BIGINT NULL, user_type VARCHAR(32) NULL, status VARCHAR(32) NULL,
              created_at DATETIME NULL, updated_at DATETIME NULL, UNIQUE KEY (institute_id, user_id));
            INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old});
            """);

        var error = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options));

        Assert.Equal((JobErrorCategory.InvalidData, "MySqlTableHasNoKey"), (error.Category, error.ErrorId));
        Assert.Contains($"`{_laas.Name}`.`institute_user` has no primary key, nor a unique key of NOT NULL columns", error.Message, StringComparison.Ordinal);
        Assert.Equal(["0"], await Org("SELECT COUNT(*) FROM institute"));
    }

    [Fact]
    public async Task Deleted_and_deactivated_users_are_reported_and_with_RemoveMissing_removed_with_their_memberships_and_auth()
    {
        await _laas.ExecuteAsync($"INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old}), (11, 'South', NULL, {Old}, {Old}); INSERT INTO institute_user (institute_id, user_id, user_type, status, created_at, updated_at) VALUES (10, 1, 'STAFF', 'ACTIVE', {Old}, {Old}), (10, 2, 'STAFF', 'ACTIVE', {Old}, {Old}), (11, 3, 'STAFF', 'ACTIVE', {Old}, {Old});");
        await AddUsers(4);
        await Run(Options);
        await _laas.ExecuteAsync("UPDATE users SET is_active = 0 WHERE id = 2; DELETE FROM users WHERE id = 3");
        var warned = new RecordingReporter();
        var preview = new RecordingReporter(approve: false);

        var kept = await Run(Options with { ChangedSince = DateTime.UtcNow.AddDays(1) }, warned);
        var warnedByFullRun = new RecordingReporter();
        var keptByFullRun = await Run(Options, warnedByFullRun); // the tables' own pass finds them, no keys read first
        await OrgSyncJob.RunAsync(Options with { RemoveMissing = true, MaxRemovePercent = 70, Preview = true }, preview, null, CancellationToken.None);
        var removed = await Run(Options with { RemoveMissing = true, MaxRemovePercent = 70 });
        var again = await Run(Options with { RemoveMissing = true, MaxRemovePercent = 70 });

        Assert.Equal([0L, 2L, 2L, 2L], kept.Tables.Select(t => t.Stale));
        Assert.Contains(warned.Warnings, w => w.Contains("are gone or inactive (2 in user, 2 in institute_users, 2 in user_auth)", StringComparison.Ordinal) && w.Contains("-RemoveMissing", StringComparison.Ordinal));
        Assert.Equal([0L, 2L, 2L, 2L], keptByFullRun.Tables.Select(t => t.Stale));
        Assert.Equal((0L, 0L), (keptByFullRun.Inserted, keptByFullRun.Updated));
        Assert.Contains(warnedByFullRun.Warnings, w => w.Contains("are gone or inactive (2 in user, 2 in institute_users, 2 in user_auth)", StringComparison.Ordinal));
        Assert.Equal([$"{_org.Name}.user_auth", $"{_org.Name}.institute_users", $"{_org.Name}.user"], preview.Questions.Take(3).Select(q => q.Target));
        Assert.StartsWith("Remove 2 rows whose source rows in", preview.Questions.First().Action);
        var links = removed.Tables.Single(t => t.Table == OrgSyncTable.InstituteUsers);
        Assert.Equal((1L, 2L), (links.Unchanged, links.Skipped)); // the removed users' memberships are skipped, and the preview says so
        Assert.Contains(preview.Questions, q => q.Action == $"Insert 0 and update 0 rows from {_laas.Name}.institute_user (1 unchanged, 2 skipped, 0 failed of 3 read)");
        Assert.Equal([0L, 2L, 2L, 2L], removed.Tables.Select(t => t.Removed));
        Assert.Equal(["1", "4"], await Org("SELECT userId FROM user ORDER BY userId"));
        Assert.Equal(["1", "4"], await Org("SELECT userId FROM user_auth ORDER BY userId"));
        Assert.Equal(["10|1"], await Org("SELECT CONCAT_WS('|', instituteId, userId) FROM institute_users"));
        Assert.Equal((0L, 0L, 0L, 0L), (again.Removed, again.Stale, again.Inserted, again.Updated));
    }

    [Fact]
    public async Task A_source_that_reads_as_empty_does_not_empty_the_target_without_Force()
    {
        await _laas.ExecuteAsync($"INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old})");
        await AddUsers(30);
        await Run(Options);
        await _laas.ExecuteAsync("DELETE FROM users WHERE id > 1");

        var refused = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options with { RemoveMissing = true }));
        Assert.Equal(["30", "30"], [.. await Org("SELECT COUNT(*) FROM user"), .. await Org("SELECT COUNT(*) FROM user_auth")]);
        var forced = await Run(Options with { RemoveMissing = true, Force = true });

        Assert.Equal(("OrgSyncRemoveBeyondBound", JobErrorCategory.InvalidOperation), (refused.ErrorId, refused.Category));
        Assert.Contains("would remove 29 of the 30 rows of", refused.Message, StringComparison.Ordinal);
        Assert.Contains("more than -MaxRemove (10%)", refused.Message, StringComparison.Ordinal);
        Assert.Equal(58L, forced.Removed);
        Assert.Equal(["1"], await Org("SELECT userId FROM user"));
    }

    [Fact]
    public async Task A_second_run_changes_nothing_and_a_changed_row_is_updated()
    {
        await _laas.ExecuteAsync($"INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old}); INSERT INTO institute_user (institute_id, user_id, user_type, status, created_at, updated_at) VALUES (10, 2, 'STAFF', 'ACTIVE', {Old}, {Old});");
        await AddUsers(250);
        var options = Options with { BatchSize = 40 };
        var first = await Run(options);

        var second = await Run(options);
        await _laas.ExecuteAsync("UPDATE users SET last_name = 'Changed' WHERE id = 7; UPDATE institute_user SET user_type = 'DIRECTOR'");
        var third = await Run(options);

        Assert.Equal(502L, first.Inserted);
        Assert.Equal((0L, 0L, 502L), (second.Inserted, second.Updated, second.Unchanged));
        Assert.Equal([0L, 1L, 1L, 0L], third.Tables.Select(t => t.Updated));
        Assert.Equal(["First7 Changed"], await Org("SELECT name FROM user WHERE userId = 7"));
        Assert.Equal(["250"], await Org("SELECT COUNT(*) FROM user"));
    }

    [Fact]
    public async Task A_target_row_changed_outside_the_sync_is_put_back_and_a_column_of_another_type_is_compared_by_value()
    {
        await _laas.ExecuteAsync($"INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old}); INSERT INTO institute_user (institute_id, user_id, user_type, status, created_at, updated_at) VALUES (10, 2, 'STAFF', 'ACTIVE', {Old}, {Old}), (10, 3, 'ADMIN', 'INACTIVE', {Old}, {Old});");
        await AddUsers(5);
        await Run(Options);
        await _org.ExecuteAsync("""
            UPDATE user SET name = 'Tampered' WHERE userId = 3;
            UPDATE user_auth SET updatedAt = updatedAt + INTERVAL 1 SECOND WHERE userId = 4;
            UPDATE institute_users SET isActive = FALSE WHERE userId = 2;
            UPDATE institute_users SET role = 'STAFF' WHERE userId = 3;
            """);

        var second = await Run(Options);
        await _org.ExecuteAsync("ALTER TABLE institute_users MODIFY isActive DECIMAL(1, 0) NOT NULL");
        var third = await Run(Options);

        Assert.Equal([0L, 1L, 2L, 1L], second.Tables.Select(t => t.Updated));
        Assert.Equal(["First3 Last3"], await Org("SELECT name FROM user WHERE userId = 3"));
        Assert.Equal(["2020-01-02 03:04:05.000"], await Org("SELECT CAST(updatedAt AS CHAR) FROM user_auth WHERE userId = 4"));
        Assert.Equal(["2|STAFF|1", "3|ADMIN|0"], await Org("SELECT CONCAT_WS('|', userId, role, isActive) FROM institute_users ORDER BY userId"));
        Assert.Equal([0L, 0L, 0L, 0L], third.Tables.Select(t => t.Updated));
        Assert.Equal([1L, 5L, 2L, 5L], third.Tables.Select(t => t.Unchanged));
    }

    [Fact]
    public async Task A_target_row_changed_after_its_table_began_is_compared_as_it_was_then_and_put_back_by_the_next_run()
    {
        await AddUsers(200);
        await Run(Options with { Tables = [OrgSyncTable.Users] });
        var tampered = 0;
        var reporter = new ActingReporter(p => p.Activity.EndsWith(".user", StringComparison.Ordinal) && p.Done >= 40 && Interlocked.Exchange(ref tampered, 1) == 0,
            () => _org.ExecuteAsync("UPDATE user SET name = 'Tampered' WHERE userId = 150"));

        var during = await Run(Options with { BatchSize = 40, Tables = [OrgSyncTable.Users] }, reporter);
        var kept = await Org("SELECT name FROM user WHERE userId = 150");
        var next = await Run(Options with { Tables = [OrgSyncTable.Users] });

        Assert.Equal(1, tampered);
        Assert.Equal((0L, 200L), (during.Tables[0].Updated, during.Tables[0].Unchanged)); // the table's rows are read as one statement's snapshot
        Assert.Equal(["Tampered"], kept);
        Assert.Equal(1L, next.Tables[0].Updated);
        Assert.Equal(["First150 Last150"], await Org("SELECT name FROM user WHERE userId = 150"));
    }

    [Fact]
    public async Task A_key_column_of_text_whose_order_is_not_the_numbers_is_refused_naming_the_table_before_a_wrong_compare()
    {
        await _laas.ExecuteAsync($"""
            ALTER TABLE institute_user MODIFY institute_id VARCHAR(10) NOT NULL;
            INSERT INTO institutes VALUES (9, 'Nine', NULL, {Old}, {Old}), (10, 'Ten', NULL, {Old}, {Old});
            INSERT INTO institute_user (institute_id, user_id, user_type, status, created_at, updated_at) VALUES ('9', 1, 'STAFF', 'ACTIVE', {Old}, {Old}), ('10', 1, 'STAFF', 'ACTIVE', {Old}, {Old});
            """);
        await AddUsers(1);

        var e = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options with { Tables = [OrgSyncTable.Institutes, OrgSyncTable.Users, OrgSyncTable.InstituteUsers] }));

        Assert.Contains($"{_laas.Name}.institute_user: ordered by institute_id, user_id, the rows do not come in the order of their numbers (10, 1 before 9, 1)", e.Message);
        Assert.Empty(await Org("SELECT instituteId FROM institute_users"));
    }

    [Fact]
    public async Task A_subset_of_tables_runs_in_foreign_key_order()
    {
        await _laas.ExecuteAsync($"INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old})");
        await AddUsers(3);

        var run = await Run(Options with { Tables = [OrgSyncTable.UserAuth, OrgSyncTable.Users] });

        Assert.Equal([OrgSyncTable.Users, OrgSyncTable.UserAuth], run.Tables.Select(t => t.Table));
        Assert.Equal(["3", "0"], [.. await Org("SELECT COUNT(*) FROM user_auth"), .. await Org("SELECT COUNT(*) FROM institute")]);
        Assert.Equal(0, run.HighWaterMark);
    }

    [Fact]
    public async Task Incremental_reads_only_rows_changed_since_the_last_complete_run_in_the_journal()
    {
        var journal = new FileRunJournal(Path.Combine(Path.GetTempPath(), $"orgsync-{Guid.NewGuid():N}.jsonl"));
        var reporter = new RecordingReporter();
        await _laas.ExecuteAsync($"INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old})");
        await AddUsers(50);
        Assert.Null(await OrgSyncJob.IncrementalSinceAsync(journal, Options, reporter, CancellationToken.None));
        await Journaled.RunAsync(journal, OrgSyncJob.Name, Options.Endpoints.Source, Options.Endpoints.Target, reporter, () => OrgSyncJob.RunAsync(Options, reporter, null, CancellationToken.None), CancellationToken.None);
        await _laas.ExecuteAsync("""
            UPDATE users SET first_name = 'New', updated_at = NOW() WHERE id = 9;
            INSERT INTO institute_user (institute_id, user_id, user_type, status, created_at, updated_at) VALUES (10, 20, 'ADMIN', 'ACTIVE', NOW(), NOW());
            """);

        var since = await OrgSyncJob.IncrementalSinceAsync(journal, Options, reporter, CancellationToken.None);
        var run = await Run(Options with { ChangedSince = since });

        Assert.NotNull(since);
        Assert.Equal([0L, 1L, 1L, 1L], run.Tables.Select(t => t.Read));
        Assert.Equal(1L, run.Tables.Single(t => t.Table == OrgSyncTable.Users).Updated);
        Assert.Equal(["New Last9"], await Org("SELECT name FROM user WHERE userId = 9"));
        Assert.Equal(["10|20|ADMIN"], await Org("SELECT CONCAT_WS('|', instituteId, userId, role) FROM institute_users"));
    }

    [Fact]
    public async Task Incremental_picks_up_a_link_whose_user_joined_later()
    {
        await _laas.ExecuteAsync($"""
            INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old});
            INSERT INTO users VALUES (1, 'A', 'B', 'a@x.org', 'h1', 0, {Old}, {Old});
            INSERT INTO institute_user (institute_id, user_id, user_type, status, created_at, updated_at) VALUES (10, 1, 'ADMIN', 'ACTIVE', {Old}, {Old});
            """);
        var first = await Run(Options);
        await _laas.ExecuteAsync("UPDATE users SET is_active = 1, updated_at = NOW()");

        var run = await Run(Options with { ChangedSince = DateTimeOffset.FromUnixTimeSeconds(first.HighWaterMark).UtcDateTime - OrgSyncJob.IncrementalLookback });

        Assert.Equal(1L, first.Tables.Single(t => t.Table == OrgSyncTable.InstituteUsers).Skipped);
        Assert.Equal(1L, run.Tables.Single(t => t.Table == OrgSyncTable.InstituteUsers).Inserted);
    }

    [Fact]
    public async Task A_bad_row_is_isolated_reported_by_table_and_key_and_the_rest_of_its_batch_lands()
    {
        await AddUsers(60);
        await _laas.ExecuteAsync($"""
            UPDATE users SET email = CONCAT(REPEAT('x', 240), '@example.org') WHERE id = 17;
            SET SESSION sql_mode = '';
            UPDATE users SET created_at = '0000-00-00 00:00:00' WHERE id = 42;
            """);
        var reporter = new RecordingReporter();

        var run = await Run(Options with { BatchSize = 100, Tables = [OrgSyncTable.Users] }, reporter);

        var users = run.Tables.Single();
        Assert.Equal((60L, 58L, 2L), (users.Read, users.Inserted, users.Failed));
        Assert.Equal(["58"], await Org("SELECT COUNT(*) FROM user"));
        Assert.Equal(2, reporter.Errors.Count);
        Assert.Contains(reporter.Errors, e => e.Message.Contains($"{_org.Name}.user: {_laas.Name}.users row id 17 was not written", StringComparison.Ordinal) && e.Message.Contains("email", StringComparison.Ordinal));
        Assert.Contains(reporter.Errors, e => e.Message.Contains("row id 42 was not written: created_at holds no valid date (0000-00-00)", StringComparison.Ordinal));
        Assert.All(reporter.Errors, e => Assert.Equal((JobErrorCategory.InvalidData, "OrgSyncRowFailed"), (e.Category, e.ErrorId)));
    }

    [Fact]
    public async Task More_failed_rows_than_MaxFailedRows_stop_the_run_as_failed_keeping_what_was_written()
    {
        await AddUsers(60);
        await _laas.ExecuteAsync("UPDATE users SET email = CONCAT(REPEAT('x', 240), '@example.org') WHERE id IN (5, 25, 45)");
        var reporter = new RecordingReporter();

        var error = await Assert.ThrowsAnyAsync<SyncToolsException>(() => Run(Options with { BatchSize = 20, MaxFailedRows = 1, Tables = [OrgSyncTable.Users] }, reporter));

        Assert.Equal(("OrgSyncTooManyFailedRows", JobErrorCategory.InvalidData), (error.ErrorId, error.Category));
        Assert.Contains("more than -MaxFailedRows (1)", error.Message);
        Assert.Equal(2, reporter.Errors.Count); // rows 5 and 25; the batch of 45 was never read
        Assert.Equal(["38"], await Org("SELECT COUNT(*) FROM user")); // the two batches written stay
        // The batch read ahead while the run stopped ended with it: no session keeps a snapshot open on the source.
        Assert.Equal(["0"], await _laas.ColumnAsync($"SELECT COUNT(*) FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id WHERE p.DB = '{_laas.Name}'"));
    }

    [Theory]
    [InlineData("source")]
    [InlineData("target")]
    public async Task A_connection_killed_mid_table_is_retried_and_no_row_is_lost_or_doubled(string side)
    {
        // The source's rows come as one stream: enough of them (about 9 MB) that the kill lands while it still flows.
        var users = side == "source" ? 30_000 : 1000;
        await AddUsers(users);
        await _laas.ExecuteAsync("UPDATE users SET password = CONCAT(password, REPEAT('x', 200))");
        var database = side == "source" ? _laas.Name : _org.Name;
        var killed = 0;
        var reporter = new ActingReporter(p => p.Activity.EndsWith(".user", StringComparison.Ordinal) && p.Done >= 300 && Interlocked.Exchange(ref killed, 1) == 0, async () =>
        {
            await AddUsers(5, from: 40_001); // seen by the snapshot the retry opens, not by the one the run began with
            await KillConnectionsTo(database);
        });

        var run = await Run(Options with { BatchSize = 100, Tables = [OrgSyncTable.Users] }, reporter);

        Assert.Equal(1, killed);
        Assert.Contains(reporter.Warnings, w => w.Contains("Retry 1 of 4", StringComparison.Ordinal));
        Assert.Equal((users + 5L, users + 5L, 0L, 0L), (run.Tables[0].Read, run.Tables[0].Inserted, run.Tables[0].Failed, run.Tables[0].Duplicates));
        Assert.Equal([$"{users + 5}|{users + 5}|1|40005"], await Org("SELECT CONCAT_WS('|', COUNT(*), COUNT(DISTINCT userId), MIN(userId), MAX(userId)) FROM user"));
    }

    [Fact]
    public async Task A_parent_row_the_target_came_to_hold_after_its_keys_were_read_still_takes_its_children()
    {
        // As when a batch committed but its reply was lost, and the retry finds its rows already there: with -RemoveMissing
        // the keys are read before the tables, and user 1 appears in the target (as the sync would write it) only after.
        await _laas.ExecuteAsync($"INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old}); INSERT INTO institute_user (institute_id, user_id, user_type, status, created_at, updated_at) VALUES (10, 1, 'STAFF', 'ACTIVE', {Old}, {Old});");
        await AddUsers(1);
        var written = 0;
        var reporter = new ActingReporter(p => p.Status?.StartsWith("Users:", StringComparison.Ordinal) == true && Interlocked.Exchange(ref written, 1) == 0,
            () => _org.ExecuteAsync($"INSERT INTO user VALUES (1, 'First1 Last1', 'u1@example.org', '$2b$10$hash1', {Old}, {Old})"));

        var run = await Run(Options with { RemoveMissing = true }, reporter);

        Assert.Equal(1, written);
        Assert.Equal((0L, 0L, 1L), (run.Tables[1].Inserted, run.Tables[1].Updated, run.Tables[1].Unchanged));
        Assert.Equal((1L, 0L), (run.Tables[2].Inserted, run.Tables[2].Skipped));
        Assert.Equal(["10|1"], await Org("SELECT CONCAT_WS('|', instituteId, userId) FROM institute_users"));
    }

    [Fact]
    public async Task A_source_connection_lost_after_its_last_read_does_not_fail_the_run()
    {
        await AddUsers(50);
        var killed = 0;
        var reporter = new ActingReporter(p => p.Activity.EndsWith(".user", StringComparison.Ordinal) && p.Done >= 50 && Interlocked.Exchange(ref killed, 1) == 0,
            () => KillConnectionsTo(_laas.Name));

        var run = await Run(Options with { Tables = [OrgSyncTable.Users] }, reporter);

        Assert.Equal(1, killed);
        Assert.Equal((50L, 50L), (run.Tables[0].Read, run.Tables[0].Inserted));
        Assert.Equal(["50"], await Org("SELECT COUNT(*) FROM user"));
    }

    [Fact]
    public async Task A_table_that_keeps_failing_stops_the_run_after_reporting_the_tables_done()
    {
        await _laas.ExecuteAsync($"INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old})");
        await AddUsers(300);
        var done = new List<OrgSyncTableResult>();
        await using var holder = await _org.Source.OpenAsync(CancellationToken.None);
        await using (var timeout = holder.CreateCommand())
        {
            timeout.CommandText = "SET GLOBAL innodb_lock_wait_timeout = 1"; // for the job's sessions, opened next
            await timeout.ExecuteNonQueryAsync();
        }

        var locked = 0;
        // After the first batch, another session locks the target's rows and gaps: every later insert waits 1 s and times out.
        var reporter = new ActingReporter(p => p.Activity.EndsWith(".user", StringComparison.Ordinal) && p.Done >= 100 && Interlocked.Exchange(ref locked, 1) == 0, async () =>
        {
            await using var command = holder.CreateCommand();
            command.CommandText = "START TRANSACTION; SELECT COUNT(*) FROM user FOR UPDATE";
            await command.ExecuteNonQueryAsync();
        });

        try
        {
            var options = Options with { BatchSize = 100, Retry = new RetryPolicy(2, TimeSpan.FromMilliseconds(10)) };
            var error = await Assert.ThrowsAsync<SyncToolsException>(() => OrgSyncJob.RunAsync(options, reporter, done.Add, CancellationToken.None));

            Assert.Equal("OrgSyncTableFailed", error.ErrorId);
            Assert.StartsWith($"{_org.Name}.user from {_laas.Name}.users stopped after 100 rows (100 inserted, 0 updated; they stay): Lock wait timeout", error.Message);
            Assert.Equal([OrgSyncTable.Institutes], done.Select(t => t.Table));
            Assert.Equal(2, reporter.Warnings.Count(w => w.Contains("Lock wait timeout", StringComparison.Ordinal)));
        }
        finally
        {
            await using var reset = holder.CreateCommand();
            reset.CommandText = "SET GLOBAL innodb_lock_wait_timeout = DEFAULT; ROLLBACK";
            await reset.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Preview_reads_both_sides_reports_per_table_and_writes_nothing()
    {
        await _laas.ExecuteAsync($"INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old})");
        await AddUsers(5);
        await _org.ExecuteAsync($"INSERT INTO institute VALUES (10, 'Old name', NULL, {Old}, {Old})");
        var reporter = new RecordingReporter(approve: false);

        var run = await OrgSyncJob.RunAsync(Options with { Preview = true }, reporter, _ => Assert.Fail("no results in a preview"), CancellationToken.None);

        Assert.Null(run);
        Assert.Equal([$"{_org.Name}.institute", $"{_org.Name}.user", $"{_org.Name}.institute_users", $"{_org.Name}.user_auth"], reporter.Questions.Select(q => q.Target));
        Assert.StartsWith($"Insert 0 and update 1 rows from {_laas.Name}.institutes", reporter.Questions.First().Action);
        Assert.StartsWith("Insert 5 and update 0", reporter.Questions.ElementAt(1).Action);
        Assert.Equal(["Old name", "0", "0"], [.. await Org("SELECT name FROM institute"), .. await Org("SELECT COUNT(*) FROM user"), .. await Org("SELECT COUNT(*) FROM user_auth")]);
    }

    [Fact]
    public async Task Preview_counts_what_the_run_would_do_in_table_order_into_an_empty_target()
    {
        await _laas.ExecuteAsync($"INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old}); INSERT INTO institute_user (institute_id, user_id, user_type, status, created_at, updated_at) VALUES (10, 2, 'STAFF', 'ACTIVE', {Old}, {Old});");
        await AddUsers(3);
        var reporter = new RecordingReporter(approve: false);

        await OrgSyncJob.RunAsync(Options with { Preview = true, Tables = [OrgSyncTable.Users, OrgSyncTable.InstituteUsers, OrgSyncTable.UserAuth] }, reporter, null, CancellationToken.None);
        var run = await Run(Options with { Tables = [OrgSyncTable.Users, OrgSyncTable.InstituteUsers, OrgSyncTable.UserAuth] });

        Assert.Equal(run.Tables.Select(t => $"Insert {t.Inserted} and update {t.Updated} rows from {t.Source}"), reporter.Questions.Select(q => q.Action[..q.Action.IndexOf(" (", StringComparison.Ordinal)]));
        Assert.Equal([3L, 0L, 3L], run.Tables.Select(t => t.Inserted)); // the link's institute is not in the target: skipped by both
    }

    [Fact]
    public async Task Preview_with_create_target_schema_says_what_it_would_create_and_previews_against_an_empty_target()
    {
        var fresh = $"{_org.Name}_later";
        await _laas.ExecuteAsync($"INSERT INTO institutes VALUES (10, 'North', NULL, {Old}, {Old}); INSERT INTO institute_user (institute_id, user_id, user_type, status, created_at, updated_at) VALUES (10, 2, 'STAFF', 'ACTIVE', {Old}, {Old}), (11, 2, 'STAFF', 'ACTIVE', {Old}, {Old});");
        await AddUsers(2);
        var reporter = new RecordingReporter(approve: false);

        var run = await OrgSyncJob.RunAsync(Options with { Preview = true, TargetDatabase = fresh, CreateTargetSchema = true }, reporter, null, CancellationToken.None);

        Assert.Null(run);
        Assert.Equal([
            $"Create the database `{fresh}` and the organizations tables institute, user, institute_users, user_auth",
            $"Insert 1 and update 0 rows from {_laas.Name}.institutes (0 unchanged, 0 skipped, 0 failed of 1 read)",
            $"Insert 2 and update 0 rows from {_laas.Name}.users (0 unchanged, 0 skipped, 0 failed of 2 read)",
            $"Insert 1 and update 0 rows from {_laas.Name}.institute_user (0 unchanged, 1 skipped, 0 failed of 2 read)",
            $"Insert 2 and update 0 rows from {_laas.Name}.users (0 unchanged, 0 skipped, 0 failed of 2 read)"], reporter.Questions.Select(q => q.Action));
        Assert.Empty(await _org.ColumnAsync($"SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{fresh}'"));
    }

    [Fact]
    public async Task Create_target_schema_makes_a_new_database_ready()
    {
        var fresh = $"{_org.Name}_new";
        await AddUsers(2);
        try
        {
            var run = await Run(Options with { TargetDatabase = fresh, CreateTargetSchema = true });
            Assert.Equal(2L, run.Tables.Single(t => t.Table == OrgSyncTable.UserAuth).Inserted);
        }
        finally
        {
            await _org.ExecuteAsync($"DROP DATABASE IF EXISTS `{fresh}`");
        }
    }

    [Fact]
    public async Task A_missing_table_or_column_is_one_clear_error_before_any_write()
    {
        await _laas.ExecuteAsync("ALTER TABLE users DROP COLUMN is_active");
        await _org.ExecuteAsync("DROP TABLE user_auth");

        var source = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options));
        await _laas.ExecuteAsync("ALTER TABLE users ADD COLUMN is_active TINYINT(1) NOT NULL DEFAULT 1");
        var target = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options));

        Assert.Equal((JobErrorCategory.ObjectNotFound, "MySqlSchemaMismatch"), (source.Category, source.ErrorId));
        Assert.Contains("has no column `users`.`is_active`", source.Message);
        Assert.Contains("has no table `user_auth`. Create it with -CreateTargetSchema", target.Message);
        Assert.Equal(["0"], await Org("SELECT COUNT(*) FROM institute"));
    }

    [Fact]
    public async Task Bad_identifiers_batch_sizes_and_passwords_never_leak()
    {
        const string secret = "Sup3r-Secret-Pw";
        var wrong = Options with { Source = new MySqlSource(TestServices.MySql, password: secret) };
        var reporter = new RecordingReporter();

        var denied = await Assert.ThrowsAsync<SyncToolsException>(() => Run(wrong, reporter));
        var badName = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options with { SourceDatabase = "laas\0; DROP" }));
        var badSize = await Assert.ThrowsAsync<SyncToolsException>(() => Run(Options with { BatchSize = 0 }));

        Assert.True(denied.Category == JobErrorCategory.AuthenticationError, denied.Message);
        Assert.DoesNotContain(secret, denied.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(reporter.AllText, t => t.Contains(secret, StringComparison.Ordinal));
        Assert.Equal("MySqlIdentifierInvalid", badName.ErrorId);
        Assert.Equal("BatchSizeInvalid", badSize.ErrorId);
    }

    private static async Task KillConnectionsTo(string database)
    {
        await using var admin = await new MySqlSource(TestServices.MySql).OpenAsync(CancellationToken.None);
        await using var find = admin.CreateCommand();
        find.CommandText = $"SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '{database}' AND ID <> CONNECTION_ID()";
        var ids = new List<long>();
        await using (var reader = await find.ExecuteReaderAsync()) while (await reader.ReadAsync()) ids.Add(Convert.ToInt64(reader.GetValue(0)));
        Assert.NotEmpty(ids);
        foreach (var id in ids)
        {
            await using var kill = admin.CreateCommand();
            kill.CommandText = $"KILL CONNECTION {id}";
            await kill.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Records everything and, on the progress reports that match, does something to the servers under the job.</summary>
    private sealed class ActingReporter(Func<JobProgress, bool> when, Func<Task> act) : IJobReporter
    {
        private readonly RecordingReporter _inner = new();

        public IEnumerable<string> Warnings => _inner.Warnings;

        public void Progress(JobProgress progress)
        {
            _inner.Progress(progress);
            if (when(progress)) act().GetAwaiter().GetResult();
        }

        public void Verbose(string message) => _inner.Verbose(message);

        public void Warning(string message) => _inner.Warning(message);

        public void RecordError(JobRecordError error) => _inner.RecordError(error);

        public bool ShouldProcess(string target, string action) => _inner.ShouldProcess(target, action);
    }
}
