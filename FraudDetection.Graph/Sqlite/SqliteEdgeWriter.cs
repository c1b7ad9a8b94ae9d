using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace FraudDetection.Graph.Sqlite;

/// <summary>
/// The embedded store's write path: statements prepared once on the writer connection and bound through SQLitePCLRaw
/// (the library under Microsoft.Data.Sqlite). ADO.NET's parameter objects cost more per edge than SQLite's own insert.
/// Merchant ids and the nodes already written are remembered, so a batch only touches the nodes it creates.
/// Owns the writer connection and its WAL checkpointer.
/// </summary>
internal sealed class SqliteEdgeWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteWalCheckpointer _checkpointer;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _mergeCard, _mergeMerchant, _merchantId, _mergeEdge;
    private readonly HashSet<long> _knownCards = [];
    private readonly Dictionary<string, long> _merchantIds = new(StringComparer.Ordinal);
    // What the current batch added to the caches: forgotten again if it rolls back.
    private readonly List<long> _batchCards = [];
    private readonly List<string> _batchMerchants = [];

    public SqliteEdgeWriter(SqliteConnection connection, SqliteWalCheckpointer checkpointer)
    {
        _connection = connection;
        _checkpointer = checkpointer;
        _db = connection.Handle!;
        _mergeCard = Prepare(SqliteStatements.MergeCard);
        _mergeMerchant = Prepare(SqliteStatements.MergeMerchant);
        _merchantId = Prepare(SqliteStatements.MerchantId);
        _mergeEdge = Prepare(SqliteStatements.MergeEdge);
        using var ids = connection.CreateCommand();
        ids.CommandText = SqliteStatements.MerchantIds;
        using var reader = ids.ExecuteReader();
        while (reader.Read())
        {
            _merchantIds[reader.GetString(1)] = reader.GetInt64(0);
        }
    }

    /// <summary>Merges the edges and the nodes they need in one transaction: all or nothing.</summary>
    public void Write(IReadOnlyList<GraphEdge> edges)
    {
        _batchCards.Clear();
        _batchMerchants.Clear();
        using var transaction = _connection.BeginTransaction();
        try
        {
            foreach (var edge in edges)
            {
                if (_knownCards.Add(edge.CcNum))
                {
                    _batchCards.Add(edge.CcNum);
                    MergeCard(edge);
                }
                if (!_merchantIds.TryGetValue(edge.Merchant, out var merchantId))
                {
                    merchantId = MergeMerchant(edge);
                    _merchantIds[edge.Merchant] = merchantId;
                    _batchMerchants.Add(edge.Merchant);
                }
                MergeEdge(edge, merchantId);
            }
            transaction.Commit();
        }
        catch
        {
            _knownCards.ExceptWith(_batchCards);
            foreach (var name in _batchMerchants)
            {
                _merchantIds.Remove(name);
            }
            throw;
        }
        _checkpointer.Committed(_connection);
    }

    private void MergeCard(GraphEdge e)
    {
        var s = _mergeCard;
        raw.sqlite3_bind_int64(s, 1, e.CcNum);
        raw.sqlite3_bind_text16(s, 2, e.First);
        raw.sqlite3_bind_text16(s, 3, e.Last);
        raw.sqlite3_bind_text16(s, 4, e.Gender);
        raw.sqlite3_bind_text16(s, 5, e.Street);
        raw.sqlite3_bind_text16(s, 6, e.City);
        raw.sqlite3_bind_text16(s, 7, e.State);
        raw.sqlite3_bind_int64(s, 8, e.Zip);
        raw.sqlite3_bind_double(s, 9, e.Lat);
        raw.sqlite3_bind_double(s, 10, e.Long);
        raw.sqlite3_bind_int64(s, 11, e.CityPop);
        raw.sqlite3_bind_text16(s, 12, e.Job);
        raw.sqlite3_bind_text16(s, 13, e.Dob);
        Step(s);
    }

    private long MergeMerchant(GraphEdge e)
    {
        var s = _mergeMerchant;
        raw.sqlite3_bind_text16(s, 1, e.Merchant);
        raw.sqlite3_bind_double(s, 2, e.MerchLat);
        raw.sqlite3_bind_double(s, 3, e.MerchLong);
        raw.sqlite3_bind_text16(s, 4, e.Category);
        Step(s);
        // The id of the row just inserted, or of the one another writer of the same file inserted first.
        var q = _merchantId;
        raw.sqlite3_bind_text16(q, 1, e.Merchant);
        try
        {
            var rc = raw.sqlite3_step(q);
            if (rc != raw.SQLITE_ROW)
            {
                SqliteException.ThrowExceptionForRC(rc == raw.SQLITE_DONE ? raw.SQLITE_INTERNAL : rc, _db);
            }
            return raw.sqlite3_column_int64(q, 0);
        }
        finally
        {
            raw.sqlite3_reset(q);
        }
    }

    private void MergeEdge(GraphEdge e, long merchantId)
    {
        var s = _mergeEdge;
        raw.sqlite3_bind_int64(s, 1, e.CcNum);
        raw.sqlite3_bind_int64(s, 2, e.Ts);
        raw.sqlite3_bind_text16(s, 3, e.TransNum);
        raw.sqlite3_bind_int64(s, 4, merchantId);
        raw.sqlite3_bind_text16(s, 5, e.Time);
        raw.sqlite3_bind_double(s, 6, e.Amt);
        raw.sqlite3_bind_text16(s, 7, e.Category);
        if (e.IsFraud is { } isFraud)
        {
            raw.sqlite3_bind_int(s, 8, isFraud);
        }
        else
        {
            raw.sqlite3_bind_null(s, 8);
        }
        raw.sqlite3_bind_double(s, 9, e.Score);
        raw.sqlite3_bind_text16(s, 10, e.ModelVersion);
        raw.sqlite3_bind_int(s, 11, e.IsAlert ? 1 : 0);
        raw.sqlite3_bind_double(s, 12, e.MerchLat);
        raw.sqlite3_bind_double(s, 13, e.MerchLong);
        Step(s);
    }

    private void Step(sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (rc != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }

    private sqlite3_stmt Prepare(string sql)
    {
        var rc = raw.sqlite3_prepare_v3(_db, sql, raw.SQLITE_PREPARE_PERSISTENT, out var statement);
        SqliteException.ThrowExceptionForRC(rc, _db);
        return statement;
    }

    public void Dispose()
    {
        _checkpointer.Dispose();
        _mergeCard.Dispose();
        _mergeMerchant.Dispose();
        _merchantId.Dispose();
        _mergeEdge.Dispose();
        _connection.Dispose();
    }
}
