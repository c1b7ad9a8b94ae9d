using System.Globalization;
using Microsoft.Data.Sqlite;

namespace FraudDetection.Tests.TestSupport;

/// <summary>Direct reads and writes of a service's SQLite file, beside the service's own code, to hold it to.</summary>
internal static class SqliteFiles
{
    /// <summary>Runs <paramref name="sql"/> on its own connection (not pooled); the rows it changed.</summary>
    public static int Execute(string file, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    /// <summary>Every row of <paramref name="sql"/>, its columns joined by <c>|</c> (invariant culture).</summary>
    public static List<string> Rows(string file, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
        }
        return rows;
    }
}
