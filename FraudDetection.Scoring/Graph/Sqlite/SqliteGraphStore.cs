using Microsoft.Data.Sqlite;

namespace FraudDetection.Scoring.Graph.Sqlite;

/// <summary>
/// The embedded graph: node tables <c>cards</c> and <c>merchants</c>, edge table <c>transactions</c> keyed by
/// <c>trans_num</c>, in one SQLite file (WAL, so the API reads while the sink writes).
/// </summary>
public sealed class SqliteGraphStore : IGraphStore, IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lazy<Task> _schema;
    private SqliteConnection? _writer;
    private SqliteCommand? _mergeCard, _mergeMerchant;
    // Edge upserts of 1..EdgesPerStatement rows, prepared once each and rebound for every chunk.
    private readonly Dictionary<int, SqliteCommand> _mergeTransactions = [];
    private const int EdgesPerStatement = 10;
    // Nodes already committed (they are only ever created, and keep their first properties): no statement needed.
    private readonly HashSet<long> _knownCards = [];
    private readonly HashSet<string> _knownMerchants = new(StringComparer.Ordinal);
    private readonly List<long> _batchCards = [];
    private readonly List<string> _batchMerchants = [];

    public SqliteGraphStore(string databaseFile)
    {
        DatabaseFile = Path.GetFullPath(databaseFile);
        Directory.CreateDirectory(Path.GetDirectoryName(DatabaseFile)!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = DatabaseFile, Pooling = true }.ToString();
        _schema = new Lazy<Task>(CreateSchemaAsync);
    }

    public string DatabaseFile { get; }

    public Task EnsureSchemaAsync(CancellationToken cancellationToken = default) => _schema.Value.WaitAsync(cancellationToken);

    private async Task CreateSchemaAsync()
    {
        await using var connection = await OpenAsync(CancellationToken.None, ensureSchema: false);
        await using var command = connection.CreateCommand();
        command.CommandText = SqliteStatements.Schema;
        await command.ExecuteNonQueryAsync();
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
            _writer ??= await OpenWriterAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await _writer.BeginTransactionAsync(cancellationToken);
            _mergeCard!.Transaction = _mergeMerchant!.Transaction = transaction;
            _batchCards.Clear();
            _batchMerchants.Clear();
            foreach (var edge in edges)
            {
                if (_knownCards.Add(edge.CcNum))
                {
                    _batchCards.Add(edge.CcNum);
                    BindCard(_mergeCard.Parameters, edge);
                    _mergeCard.ExecuteNonQuery();
                }
                if (_knownMerchants.Add(edge.Merchant))
                {
                    _batchMerchants.Add(edge.Merchant);
                    BindMerchant(_mergeMerchant.Parameters, edge);
                    _mergeMerchant.ExecuteNonQuery();
                }
            }
            // Nodes first (the edges reference them), then the edges in multi-row statements.
            for (var start = 0; start < edges.Count; start += EdgesPerStatement)
            {
                var rows = Math.Min(EdgesPerStatement, edges.Count - start);
                var merge = MergeTransactions(_writer, rows);
                merge.Transaction = transaction;
                var parameters = merge.Parameters;
                for (var i = 0; i < rows; i++)
                {
                    BindTransaction(parameters, i * SqliteStatements.TransactionColumnCount, edges[start + i]);
                }
                // SQLite is synchronous underneath; the async wrapper only adds overhead per statement.
                merge.ExecuteNonQuery();
            }
            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            // Rolled back: the nodes this batch created are not there after all.
            _knownCards.ExceptWith(_batchCards);
            _knownMerchants.ExceptWith(_batchMerchants);
            // A broken connection is reopened on the next batch.
            await DisposeWriterAsync();
            throw;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<SqliteConnection> OpenWriterAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken, ensureSchema: false);
        await using (var pragmas = connection.CreateCommand())
        {
            pragmas.CommandText = SqliteStatements.WriterPragmas;
            await pragmas.ExecuteNonQueryAsync(cancellationToken);
        }
        _mergeCard = Prepare(connection, SqliteStatements.MergeCard,
            "$cc_num", "$first", "$last", "$gender", "$street", "$city", "$state", "$zip", "$lat", "$long", "$city_pop", "$job", "$dob");
        _mergeMerchant = Prepare(connection, SqliteStatements.MergeMerchant, "$name", "$lat", "$long", "$category");
        return connection;
    }

    private SqliteCommand MergeTransactions(SqliteConnection connection, int rows)
    {
        if (!_mergeTransactions.TryGetValue(rows, out var command))
        {
            command = Prepare(connection, SqliteStatements.MergeTransactions(rows), [.. SqliteStatements.MergeTransactionsParameters(rows)]);
            _mergeTransactions[rows] = command;
        }
        return command;
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
        command.Prepare();
        return command;
    }

    // Parameter order follows the names given to Prepare.
    private static void BindCard(SqliteParameterCollection p, GraphEdge e)
    {
        p[0].Value = e.CcNum; p[1].Value = e.First; p[2].Value = e.Last; p[3].Value = e.Gender; p[4].Value = e.Street;
        p[5].Value = e.City; p[6].Value = e.State; p[7].Value = e.Zip; p[8].Value = e.Lat; p[9].Value = e.Long;
        p[10].Value = e.CityPop; p[11].Value = e.Job; p[12].Value = e.Dob;
    }

    private static void BindMerchant(SqliteParameterCollection p, GraphEdge e)
    {
        p[0].Value = e.Merchant; p[1].Value = e.MerchLat; p[2].Value = e.MerchLong; p[3].Value = e.Category;
    }

    private static readonly object AlertTrue = 1, AlertFalse = 0;

    private static void BindTransaction(SqliteParameterCollection p, int o, GraphEdge e)
    {
        p[o].Value = e.TransNum; p[o + 1].Value = e.CcNum; p[o + 2].Value = e.Merchant; p[o + 3].Value = e.Time; p[o + 4].Value = e.Ts;
        p[o + 5].Value = e.Amt; p[o + 6].Value = e.Category; p[o + 7].Value = e.IsFraud is { } f ? f : DBNull.Value; p[o + 8].Value = e.Score;
        p[o + 9].Value = e.ModelVersion; p[o + 10].Value = e.IsAlert ? AlertTrue : AlertFalse; p[o + 11].Value = e.MerchLat; p[o + 12].Value = e.MerchLong;
    }

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

    private async Task DisposeWriterAsync()
    {
        foreach (var command in _mergeTransactions.Values.Append(_mergeCard).Append(_mergeMerchant))
        {
            command?.Dispose();
        }
        _mergeTransactions.Clear();
        _mergeCard = _mergeMerchant = null;
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
            _writer = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            await DisposeWriterAsync();
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
