using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The bounds every list query of the services keeps, so that no caller can ask for a page as large as the store:
/// a page of at most <see cref="MaxPageSize"/> rows and a time window of at most <see cref="MaxWindow"/>.
/// </summary>
public static class QueryBounds
{
    public const int MaxPageSize = 1000;

    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(366);

    /// <summary>A 400 problem when <paramref name="limit"/> is not 1..<see cref="MaxPageSize"/>; null when it is.</summary>
    public static ProblemHttpResult? CheckLimit(int limit) =>
        limit is >= 1 and <= MaxPageSize
            ? null
            : TypedResults.Problem($"limit must be between 1 and {MaxPageSize}, got {limit}", statusCode: StatusCodes.Status400BadRequest,
                title: "Page size out of range");

    /// <summary>
    /// A 400 problem when the window is reversed or, with both ends given, longer than <see cref="MaxWindow"/>;
    /// an open end means "from the first" or "to the last" transaction and still reads at most a page.
    /// </summary>
    public static ProblemHttpResult? CheckWindow(DateTime? from, DateTime? to)
    {
        if (from is { } start && to is { } end)
        {
            if (start > end)
            {
                return TypedResults.Problem($"from ({start:O}) must not be after to ({end:O})", statusCode: StatusCodes.Status400BadRequest,
                    title: "Reversed time window");
            }
            if (end - start > MaxWindow)
            {
                return TypedResults.Problem($"the window from {start:O} to {end:O} is longer than {MaxWindow.TotalDays:0} days",
                    statusCode: StatusCodes.Status400BadRequest, title: "Time window too long");
            }
        }
        return null;
    }

    /// <summary>The first problem of <paramref name="checks"/>, or null when every check passed.</summary>
    public static ProblemHttpResult? FirstProblem(params ProblemHttpResult?[] checks) => checks.FirstOrDefault(c => c is not null);
}
