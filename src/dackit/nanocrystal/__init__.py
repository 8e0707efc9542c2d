"""dackit.nanocrystal"""
