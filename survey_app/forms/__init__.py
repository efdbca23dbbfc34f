"""Forms: page forms generated from questionnaire definitions, and the fixed entry forms."""
