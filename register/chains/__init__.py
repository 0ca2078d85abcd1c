"""The chains controller → processor → sub-processor, read across conventions, activities and
sub-processor engagements. They sit above those packages (which never import them), so the
records (register.records), an activity's sheet and a convention's drawing read the chains
without the packages importing each other in circles."""
