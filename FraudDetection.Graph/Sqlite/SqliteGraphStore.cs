using FraudDetection.Core.Geo;
using Microsoft.Data.Sqlite;

namespace FraudDetection.Graph.Sqlite;

/// <summary>
/// The embedded graph: node tables <c>cards</c> and <c>merchants</c>, edge table <c>edges</c> (read through the view
/// <c>transactions</c>), in one SQLite file (WAL, so the API reads while the sink writes). Writes: <see cref="SqliteEdgeWriter"/>.
/// </summary>
public sealed class SqliteGraphStore : IGraphStore, IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lazy<Task> _schema;
    private SqliteEdgeWriter? _edgeWriter;
    private readonly int _walCheckpointPages;

    /// <param name="databaseFile">The SQLite file (created with its folder when missing).</param>
    /// <param name="walCheckpointPages">WAL length (4 KB pages) at which the writer copies the rest back itself and so lets the WAL restart.</param>
    public SqliteGraphStore(string databaseFile, int walCheckpointPages = SqliteWalCheckpointer.DefaultWriterCatchUpPages)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(walCheckpointPages, 1);
        _walCheckpointPages = walCheckpointPages;
        DatabaseFile = Path.GetFullPath(databaseFile);
        Directory.CreateDirectory(Path.GetDirectoryName(DatabaseFile)!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = DatabaseFile, Pooling = true }.ToString();
        _schema = new Lazy<Task>(CreateSchemaAsync);
    }

    public string DatabaseFile { get; }

    /// <summary>The layout version this store writes (<c>PRAGMA user_version</c>).</summary>
    public const int SchemaVersion = SqliteStatements.SchemaVersion;

    public Task EnsureSchemaAsync(CancellationToken cancellationToken = default) => _schema.Value.WaitAsync(cancellationToken);

    private async Task CreateSchemaAsync()
    {
        await using var connection = await OpenAsync(CancellationToken.None, ensureSchema: false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = SqliteStatements.LayoutVersion;
        var layout = Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        command.CommandText = layout switch
        {
            1 => SqliteStatements.MigrateFromVersion1,
            2 => SqliteStatements.MigrateFromVersion2,
            3 => SqliteStatements.MigrateFromVersion3,
            0 or SqliteStatements.SchemaVersion => SqliteStatements.Schema, // a new file, or the current layout
            _ => throw new InvalidOperationException(
                $"{DatabaseFile} holds graph layout version {layout}, newer than this release's {SqliteStatements.SchemaVersion}: use a newer release or another Graph:SqliteFile"),
        };
        await command.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }

    public async Task WriteAsync(IReadOnlyList<GraphEdge> edges, CancellationToken cancellationToken = default)
    {
        if (edges.Count == 0)
        {
            return;
        }
        await EnsureSchemaAsync(cancellationToken);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (_edgeWriter is null)
            {
                var connection = await OpenAsync(cancellationToken, ensureSchema: false);
                await using (var pragmas = connection.CreateCommand())
                {
                    pragmas.CommandText = SqliteStatements.WriterPragmas;
                    await pragmas.ExecuteNonQueryAsync(cancellationToken);
                }
                _edgeWriter = new SqliteEdgeWriter(connection, new SqliteWalCheckpointer(_connectionString, _walCheckpointPages));
            }
            // SQLite is synchronous underneath: the batch runs on this thread.
            _edgeWriter.Write(edges);
        }
        catch
        {
            // A broken connection is reopened on the next batch.
            DisposeWriter();
            throw;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task LabelAsync(IReadOnlyList<FraudLabel> labels, CancellationToken cancellationToken = default)
    {
        if (labels.Count == 0)
        {
            return;
        }
        await using var connection = await OpenAsync(cancellationToken, ensureSchema: true);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = SqliteStatements.UpsertLabel;
        var parameters = new[] { "$trans_num", "$ts", "$card_id", "$label", "$source", "$learned_at" }.Select(n => command.Parameters.Add(n, SqliteType.Text)).ToArray();
        foreach (var label in labels)
        {
            parameters[0].Value = label.TransNum;
            parameters[1].Value = GraphEdge.ToTs(label.TransactionTime);
            parameters[2].Value = label.CardId;
            parameters[3].Value = label.Label;
            parameters[4].Value = label.Source;
            parameters[5].Value = GraphLabels.LearnedAt(label);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public Task<IReadOnlyList<GraphLabel>> LatestLabelsAsync(int limit, CancellationToken cancellationToken = default) =>
        QueryAsync(SqliteStatements.LatestLabels, [("$limit", limit)], r => new GraphLabel(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
            !r.IsDBNull(5), r.IsDBNull(5) ? null : r.GetDouble(5), r.IsDBNull(6) ? null : r.GetInt64(6) == 1,
            r.IsDBNull(7) ? null : r.GetDouble(7), r.IsDBNull(8) ? null : r.GetString(8)), cancellationToken);

    public async Task<GraphTotals> TotalsAsync(CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync(SqliteStatements.Totals, [], r => new GraphTotals(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)), cancellationToken);
        return rows[0];
    }

    public Task<IReadOnlyList<GraphTransaction>> LatestTransactionsAsync(int limit, CancellationToken cancellationToken = default) =>
        QueryAsync(SqliteStatements.LatestTransactions, [("$limit", limit)], ReadTransaction, cancellationToken);

    public Task<IReadOnlyList<MerchantVolume>> MerchantsByVolumeAsync(int limit, CancellationToken cancellationToken = default) =>
        QueryAsync(SqliteStatements.MerchantsByVolume, [("$limit", limit)],
            r => new MerchantVolume(r.GetString(0), r.GetInt64(1), r.GetDouble(2)), cancellationToken);

    public async Task<FraudCounts> FraudCountsAsync(CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync(SqliteStatements.FraudCounts, [],
            r => new FraudCounts(r.GetInt64(0), r.GetInt64(1), r.GetInt64(0) - r.GetInt64(1), r.GetInt64(2), r.GetInt64(3)), cancellationToken);
        return rows[0];
    }

    public Task<IReadOnlyList<MerchantFraud>> FraudByMerchantAsync(int limit, CancellationToken cancellationToken = default) =>
        QueryAsync(SqliteStatements.FraudByMerchant, [("$limit", limit)],
            r => new MerchantFraud(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3)), cancellationToken);

    public Task<IReadOnlyList<AmountBin>> AmountDistributionAsync(double binWidth, double openFrom, CancellationToken cancellationToken = default)
    {
        var lastBin = AmountBins.LastBin(binWidth, openFrom);
        return QueryAsync(SqliteStatements.AmountDistribution, [("$width", binWidth), ("$last_bin", lastBin)],
            r => AmountBins.Bin(r.GetInt64(0), binWidth, lastBin, r.GetInt64(1), r.GetInt64(2)), cancellationToken);
    }

    public Task<IReadOnlyList<FraudGeoPoint>> FraudGeoPointsAsync(int limit, CancellationToken cancellationToken = default) =>
        QueryAsync(SqliteStatements.FraudGeoPoints, [("$limit", limit)],
            r => new FraudGeoPoint(r.GetString(0), r.GetString(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4), r.GetDouble(5),
                r.GetString(6), CardMask.Mask(r.GetInt64(7))), cancellationToken);

    public async Task<CardNeighbourhood?> CardNeighbourhoodAsync(long ccNum, GraphWindow window, CancellationToken cancellationToken = default)
    {
        var card = await QueryAsync(SqliteStatements.Card, [("$cc_num", ccNum)],
            r => (City: r.GetString(1), State: r.GetString(2)), cancellationToken);
        if (card.Count == 0)
        {
            return null;
        }
        (string, object)[] parameters = [("$cc_num", ccNum), ("$from", window.FromTs), ("$to", window.ToTs)];
        var transactions = await QueryAsync(SqliteStatements.CardTransactions, parameters, ReadTransaction, cancellationToken);
        var merchants = await QueryAsync(SqliteStatements.CardMerchants, parameters,
            r => new NeighbourMerchant(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3)), cancellationToken);
        return new CardNeighbourhood(CardMask.Mask(ccNum), CardMask.CardId(ccNum), card[0].City, card[0].State, transactions, merchants);
    }

    public Task<IReadOnlyList<SharedMerchant>> MerchantsSharedByAlertedCardsAsync(GraphWindow window, int minAlertedCards, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync(SqliteStatements.MerchantsSharedByAlertedCards,
            [("$from", window.FromTs), ("$to", window.ToTs), ("$min_cards", minAlertedCards), ("$limit", limit)],
            r => new SharedMerchant(r.GetString(0), r.GetInt64(1), r.GetInt64(2)), cancellationToken);

    public async Task<IReadOnlyList<ImpossibleTravel>> ImpossibleTravelAsync(GraphWindow window, double speedKmh, int limit, CancellationToken cancellationToken = default)
    {
        var pairs = await QueryAsync(SqliteStatements.ConsecutiveTransactions, [("$from", window.FromTs), ("$to", window.ToTs)], r =>
        {
            var km = GeoDistance.Km(r.GetDouble(4), r.GetDouble(5), r.GetDouble(10), r.GetDouble(11));
            var seconds = r.GetInt64(12) - r.GetInt64(6);
            var ccNum = r.GetInt64(0);
            return new ImpossibleTravel(CardMask.Mask(ccNum), CardMask.CardId(ccNum), r.GetString(1), r.GetString(2), r.GetString(3),
                r.GetString(7), r.GetString(8), r.GetString(9), km, seconds, GeoDistance.SpeedKmh(km, seconds));
        }, cancellationToken);
        return pairs.Where(p => p.SpeedKmh > speedKmh)
            .OrderByDescending(p => p.SpeedKmh).ThenBy(p => p.FromTransNum, StringComparer.Ordinal)
            .Take(limit).ToList();
    }

    private static GraphTransaction ReadTransaction(SqliteDataReader r)
    {
        var ccNum = r.GetInt64(2);
        return new GraphTransaction(r.GetString(0), r.GetString(1), CardMask.Mask(ccNum), CardMask.CardId(ccNum), r.GetString(3),
            r.GetString(4), r.GetDouble(5), r.GetDouble(6), r.GetInt64(7) != 0, r.IsDBNull(8) ? null : r.GetInt32(8), r.GetString(9));
    }

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, (string Name, object Value)[] parameters, Func<SqliteDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken, ensureSchema: true);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken, bool ensureSchema)
    {
        if (ensureSchema)
        {
            await EnsureSchemaAsync(cancellationToken);
        }
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragmas = connection.CreateCommand();
        pragmas.CommandText = SqliteStatements.Pragmas;
        await pragmas.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    private void DisposeWriter()
    {
        _edgeWriter?.Dispose();
        _edgeWriter = null;
    }

    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            DisposeWriter();
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
