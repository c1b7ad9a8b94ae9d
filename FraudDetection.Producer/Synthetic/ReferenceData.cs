namespace FraudDetection.Producer.Synthetic;

/// <summary>A US place card holders live in (approximate centre coordinates).</summary>
public sealed record City(string Name, string State, int Zip, double Lat, double Long, int Population);

/// <summary>A spending category of the Kaggle schema and how much is typically spent in it.</summary>
public sealed record SpendingCategory(string Name, double Weight, double MedianAmount, double Sigma, bool Online);

/// <summary>Fixed lists the synthetic population is drawn from (names, places, jobs, categories).</summary>
public static class ReferenceData
{
    public static IReadOnlyList<City> Cities { get; } =
    [
        new("New York", "NY", 10001, 40.7128, -74.0060, 8336817), new("Los Angeles", "CA", 90012, 34.0522, -118.2437, 3979576),
        new("Chicago", "IL", 60601, 41.8781, -87.6298, 2693976), new("Houston", "TX", 77002, 29.7604, -95.3698, 2320268),
        new("Phoenix", "AZ", 85003, 33.4484, -112.0740, 1680992), new("Philadelphia", "PA", 19103, 39.9526, -75.1652, 1584064),
        new("San Antonio", "TX", 78205, 29.4241, -98.4936, 1547253), new("San Diego", "CA", 92101, 32.7157, -117.1611, 1423851),
        new("Dallas", "TX", 75201, 32.7767, -96.7970, 1343573), new("Denver", "CO", 80202, 39.7392, -104.9903, 727211),
        new("Seattle", "WA", 98101, 47.6062, -122.3321, 753675), new("Boston", "MA", 2108, 42.3601, -71.0589, 692600),
        new("Miami", "FL", 33130, 25.7617, -80.1918, 467963), new("Atlanta", "GA", 30303, 33.7490, -84.3880, 498715),
        new("Minneapolis", "MN", 55401, 44.9778, -93.2650, 429606), new("Portland", "OR", 97204, 45.5152, -122.6784, 654741),
        new("Nashville", "TN", 37203, 36.1627, -86.7816, 670820), new("Kansas City", "MO", 64106, 39.0997, -94.5786, 495327),
        new("Salt Lake City", "UT", 84111, 40.7608, -111.8910, 200567), new("Albuquerque", "NM", 87102, 35.0844, -106.6504, 560513),
        new("Billings", "MT", 59101, 45.7833, -108.5007, 109577), new("Boise", "ID", 83702, 43.6150, -116.2023, 228959),
        new("Anchorage", "AK", 99501, 61.2181, -149.9003, 291247), new("Honolulu", "HI", 96813, 21.3069, -157.8583, 345064),
        new("Omaha", "NE", 68102, 41.2565, -95.9345, 478192), new("Little Rock", "AR", 72201, 34.7465, -92.2896, 197312),
        new("Charleston", "SC", 29401, 32.7765, -79.9311, 150227), new("Burlington", "VT", 5401, 44.4759, -73.2121, 42819),
        new("Bangor", "ME", 4401, 44.8016, -68.7712, 31753), new("Fargo", "ND", 58102, 46.8772, -96.7898, 124662),
        new("Sioux Falls", "SD", 57104, 43.5446, -96.7311, 192517), new("Cheyenne", "WY", 82001, 41.1400, -104.8202, 64235),
        new("Spokane", "WA", 99201, 47.6588, -117.4260, 222081), new("El Paso", "TX", 79901, 31.7619, -106.4850, 681728),
        new("Tulsa", "OK", 74103, 36.1540, -95.9928, 401190), new("Louisville", "KY", 40202, 38.2527, -85.7585, 617638),
        new("Pittsburgh", "PA", 15222, 40.4406, -79.9959, 302971), new("Columbus", "OH", 43215, 39.9612, -82.9988, 898553),
        new("Detroit", "MI", 48226, 42.3314, -83.0458, 670031), new("Madison", "WI", 53703, 43.0731, -89.4012, 259680),
        new("Moravian Falls", "NC", 28654, 36.0788, -81.1781, 3495), new("Orient", "WA", 99160, 48.8878, -118.2105, 149),
        new("Malad City", "ID", 83252, 42.1808, -112.2620, 4154), new("Doe Hill", "VA", 24433, 38.4207, -79.4629, 99),
        new("Columbia", "SC", 29209, 33.9659, -80.9355, 333497), new("Altonah", "UT", 84002, 40.3207, -110.4360, 302),
        new("Titusville", "FL", 32780, 28.5697, -80.8191, 54767), new("Falmouth", "MI", 49632, 44.2529, -85.0170, 1126),
    ];

    // Shares and typical amounts close to the Sparkov/Kaggle data.
    public static IReadOnlyList<SpendingCategory> Categories { get; } =
    [
        new("gas_transport", 0.100, 60, 0.35, false), new("grocery_pos", 0.095, 100, 0.40, false),
        new("home", 0.095, 45, 0.90, false), new("shopping_pos", 0.090, 40, 1.00, false),
        new("kids_pets", 0.087, 40, 0.90, false), new("shopping_net", 0.075, 45, 1.00, true),
        new("entertainment", 0.072, 40, 0.90, false), new("food_dining", 0.070, 35, 0.80, false),
        new("personal_care", 0.070, 30, 0.90, false), new("health_fitness", 0.066, 40, 0.70, false),
        new("misc_pos", 0.062, 30, 1.00, false), new("misc_net", 0.049, 30, 1.00, true),
        new("grocery_net", 0.035, 50, 0.40, true), new("travel", 0.031, 60, 1.20, false),
    ];

    public static IReadOnlyList<string> MaleFirstNames { get; } =
    [
        "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles", "Christopher",
        "Daniel", "Matthew", "Anthony", "Mark", "Steven", "Paul", "Andrew", "Joshua", "Kenneth", "Kevin", "Brian", "George",
        "Edward", "Ryan", "Jason", "Jeffrey", "Eric", "Scott", "Justin",
    ];

    public static IReadOnlyList<string> FemaleFirstNames { get; } =
    [
        "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen", "Nancy",
        "Lisa", "Betty", "Margaret", "Sandra", "Ashley", "Kimberly", "Emily", "Donna", "Michelle", "Carol", "Amanda",
        "Melissa", "Deborah", "Stephanie", "Rebecca", "Laura", "Sharon", "Cynthia", "Kathleen",
    ];

    public static IReadOnlyList<string> LastNames { get; } =
    [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez",
        "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez",
        "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen",
        "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
        "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Kub", "Heaney", "Kirlin", "Sporer", "Keebler", "Haley",
        "Johnston", "Casper", "Rippin", "Heller", "Gutmann", "Zieme", "Lind", "Buckridge", "Kutch", "Hermiston", "Farrell",
        "Keeling", "Crist", "Roob", "Tremblay", "Champlin", "Kerluke", "Bernier", "Volkman", "Hoeger", "Fahey", "O'Keefe",
    ];

    public static IReadOnlyList<string> Jobs { get; } =
    [
        "Mechanical engineer", "Sales professional, IT", "Librarian, public", "Set designer", "Furniture designer",
        "Psychologist, counselling", "Special educational needs teacher", "Nature conservation officer", "Patent attorney",
        "Dance movement psychotherapist", "Wellsite geologist", "Health visitor", "Contracting civil engineer",
        "Producer, radio", "Quantity surveyor", "Pensions consultant", "Systems developer", "Accountant, chartered",
        "Teacher, secondary school", "Pharmacist", "Police officer", "Nurse, adult", "Software engineer",
        "Chief Executive Officer", "Retail manager", "Paramedic", "Architect", "Engineer, civil (consulting)",
        "Film/video editor", "Dietitian",
    ];

    public static IReadOnlyList<string> StreetSuffixes { get; } =
        ["Street", "Avenue", "Road", "Lane", "Court", "Drive", "Way", "Place", "Trail", "Ridge", "Green", "Cove"];
}
