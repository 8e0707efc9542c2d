"""dackit.optics"""
